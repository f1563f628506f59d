/**
 * MySQL packets (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_packets.html):
 * `int<3> length, int<1> sequence id, payload`; a payload of 0xFFFFFF bytes goes on in the next packet. The
 * reader hands out logical packets (continuations joined), bounded before anything is buffered, and keeps the
 * bytes as they came so that a relayed packet is forwarded unchanged. Also: the OK/ERR encoders.
 */

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export interface Packet {
  /** The sequence id of the (first) packet. */
  seq: number;
  /** The payload, continuations joined. */
  payload: Buffer;
  /** The packets as they came. */
  raw: Buffer;
}

const HEADER = 4;
export const MAX_PAYLOAD = 0xffffff;
/** The largest logical packet a client may send (a statement, a row of LOAD DATA): MySQL's max_allowed_packet. */
export const DEFAULT_MAX_PACKET_BYTES = 64 * 1024 * 1024;

export class PacketReader {
  #chunks: Buffer[] = [];
  #size = 0;
  /** Bytes needed before the next packet can be complete. */
  #expect = 0;
  #maxBytes: number;

  constructor(maxBytes = DEFAULT_MAX_PACKET_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** Changes the bound (smaller while logging in, larger after). */
  limit(maxBytes: number): void {
    this.#maxBytes = maxBytes;
  }

  /** Whether part of a packet is waiting for the rest. */
  get partial(): boolean {
    return this.#size > 0;
  }

  /** Takes the bytes of a packet not yet complete (for whoever reads the stream next). */
  unread(): Buffer {
    const rest = Buffer.concat(this.#chunks, this.#size);
    this.#chunks = [];
    this.#size = 0;
    this.#expect = 0;
    return rest;
  }

  /** The whole logical packets that `chunk` completes, in order. Throws ProtocolError over the bound. */
  push(chunk: Buffer): Packet[] {
    this.append(chunk);
    const packets: Packet[] = [];
    for (let next = this.take(); next; next = this.take()) packets.push(next);
    return packets;
  }

  /** Keeps bytes without reading them yet. */
  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#size += chunk.length;
  }

  /** The next whole packet, if the bytes kept hold one; reads no further than its end. */
  take(): Packet | undefined {
    if (this.#expect > this.#size || this.#size < HEADER) return undefined;
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks, this.#size)];
    const buffer = this.#chunks[0]!;
    const end = this.#packetEnd(buffer, 0);
    if (end === undefined || end > buffer.length) {
      this.#expect = end ?? 0;
      return undefined;
    }
    this.#expect = 0;
    const raw = buffer.subarray(0, end);
    const rest = buffer.subarray(end);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#size = rest.length;
    return { seq: raw[3]!, payload: payloadOf(raw), raw };
  }

  /** Where the logical packet starting at `at` ends, or undefined while a header is incomplete. */
  #packetEnd(buffer: Buffer, at: number): number | undefined {
    let end = at;
    let payload = 0;
    for (;;) {
      if (buffer.length - end < HEADER) return undefined;
      const length = buffer.readUIntLE(end, 3);
      payload += length;
      if (payload > this.#maxBytes)
        throw new ProtocolError(`packet over the limit of ${this.#maxBytes} bytes`);
      end += HEADER + length;
      if (length < MAX_PAYLOAD) return end;
      if (end > buffer.length) return end + HEADER; // the continuation's header is needed too
    }
  }
}

function payloadOf(raw: Buffer): Buffer {
  const first = raw.readUIntLE(0, 3);
  if (first < MAX_PAYLOAD) return raw.subarray(HEADER);
  const parts: Buffer[] = [];
  for (let at = 0; at < raw.length; ) {
    const length = raw.readUIntLE(at, 3);
    parts.push(raw.subarray(at + HEADER, at + HEADER + length));
    at += HEADER + length;
  }
  return Buffer.concat(parts);
}

/** One packet (our own, always under 16 MiB) with its header. */
export function packet(seq: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = seq & 0xff;
  return Buffer.concat([header, payload]);
}

/** ERR_Packet (protocol 4.1): `0xFF, code, '#', SQLSTATE, message`. */
export function errPacket(seq: number, code: number, sqlState: string, message: string): Buffer {
  const head = Buffer.alloc(9);
  head[0] = 0xff;
  head.writeUInt16LE(code, 1);
  head.write(`#${sqlState}`, 3, 'latin1');
  return packet(seq, Buffer.concat([head, Buffer.from(message, 'utf8')]));
}

/** An OK_Packet with no rows, no insert id, the given status flags and no warnings. */
export function okPacket(seq: number, status: number): Buffer {
  const payload = Buffer.from([0, 0, 0, 0, 0, 0, 0]);
  payload.writeUInt16LE(status, 3);
  return packet(seq, payload);
}
