/**
 * Inside a payload (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_data_types.html):
 * length-encoded integers and strings written, and a bounds-checked cursor that reads them, NUL-terminated
 * strings and fixed-size integers.
 */
import { ProtocolError } from './packets.js';

export function lenencInt(value: number): Buffer {
  if (value < 0xfb) return Buffer.from([value]);
  if (value < 0x10000) return Buffer.from([0xfc, value & 0xff, value >> 8]);
  if (value < 0x1000000) {
    const out = Buffer.alloc(4);
    out[0] = 0xfd;
    out.writeUIntLE(value, 1, 3);
    return out;
  }
  const out = Buffer.alloc(9);
  out[0] = 0xfe;
  out.writeBigUInt64LE(BigInt(value), 1);
  return out;
}

export function lenencBytes(bytes: Buffer): Buffer {
  return Buffer.concat([lenencInt(bytes.length), bytes]);
}

/** Reads a payload front to back; reading past its end is a ProtocolError. */
export class Cursor {
  at = 0;
  constructor(readonly buffer: Buffer) {}

  get remaining(): number {
    return this.buffer.length - this.at;
  }

  #need(n: number) {
    if (this.at + n > this.buffer.length) throw new ProtocolError('truncated packet');
  }

  u8(): number {
    this.#need(1);
    return this.buffer[this.at++]!;
  }

  u16(): number {
    this.#need(2);
    this.at += 2;
    return this.buffer.readUInt16LE(this.at - 2);
  }

  u32(): number {
    this.#need(4);
    this.at += 4;
    return this.buffer.readUInt32LE(this.at - 4);
  }

  bytes(n: number): Buffer {
    this.#need(n);
    this.at += n;
    return this.buffer.subarray(this.at - n, this.at);
  }

  /** A NUL-terminated string; at the end of the payload, the rest. */
  cstring(): Buffer {
    const end = this.buffer.indexOf(0, this.at);
    const stop = end === -1 ? this.buffer.length : end;
    const out = this.buffer.subarray(this.at, stop);
    this.at = end === -1 ? stop : stop + 1;
    return out;
  }

  lenencInt(): number {
    const first = this.u8();
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.u16();
    if (first === 0xfd) {
      this.#need(3);
      this.at += 3;
      return this.buffer.readUIntLE(this.at - 3, 3);
    }
    if (first === 0xfe) {
      this.#need(8);
      this.at += 8;
      return Number(this.buffer.readBigUInt64LE(this.at - 8));
    }
    throw new ProtocolError(`invalid length-encoded integer 0x${first.toString(16)}`);
  }

  lenencBytes(): Buffer {
    return this.bytes(this.lenencInt());
  }

  rest(): Buffer {
    const out = this.buffer.subarray(this.at);
    this.at = this.buffer.length;
    return out;
  }
}
