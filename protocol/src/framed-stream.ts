/**
 * One client connection over a data connection (see DATA_ALPN), as a plain Duplex: bytes go in frames of
 * `[type: 1 byte][length: 4 bytes, big-endian][payload]`, `D` for data and `E` for the end of one direction.
 *
 * Why frames and not the TLS connection itself: half-close. Ending a TLS socket's writable side in Node
 * (SSL_shutdown) discards what the peer sent and this side has not read yet, so a client's EOF would cut
 * the upstream's reply. Here an end is an `E` frame, and the TLS connection closes only once both
 * directions have ended (or at once on destroy()).
 */
import { Duplex } from 'node:stream';

const HEADER = 5;
const DATA = 0x44; // 'D'
const END = 0x45; // 'E'
/** Largest payload of one frame: a bigger write is split. */
const MAX_FRAME = 1024 * 1024;
/** Up to this many bytes, frames are copied into one buffer; above, they are written corked. */
const SMALL = 16 * 1024;
/**
 * TLS hands what it decrypts over in pieces of one record (16 KiB) at most, one after the other in the same
 * turn of the event loop. A full piece says more is coming: payload is gathered up to COALESCE bytes and
 * passed on once at the end of that turn (setImmediate), so that a reader writing each chunk to a socket
 * makes one system call per 64 KiB instead of four. A shorter piece ends the burst and goes at once.
 */
const FULL_PIECE = 16 * 1024;
const COALESCE = 64 * 1024;

export class FramedStream extends Duplex {
  readonly #socket: Duplex;
  #header = Buffer.alloc(HEADER);
  #headerBytes = 0;
  /** Payload bytes still expected of the current data frame; -1 between frames. */
  #remaining = -1;
  #peerEnded = false;
  #selfEnded = false;
  /** Payload gathered from full TLS pieces, not yet pushed. */
  #gathered: Buffer[] = [];
  #gatheredBytes = 0;
  #flushing: NodeJS.Immediate | undefined;

  constructor(socket: Duplex) {
    // 64 KiB a side, as much as one read of a TCP socket brings: with the default 16 KiB, every read of a
    // large response stopped the source until the TLS connection drained (bench/http, 1 MB responses).
    super({ allowHalfOpen: true, highWaterMark: 64 * 1024 });
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error: Error) => this.destroy(error));
    // The peer went away without an end frame (or the connection broke): what came is all there is.
    socket.once('end', () => this.#gone());
    socket.once('close', () => this.#gone());
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    const frames: Buffer[] = [];
    let size = 0;
    for (const { chunk } of chunks) {
      for (let at = 0; at < chunk.length; at += MAX_FRAME) {
        const payload = chunk.subarray(at, at + MAX_FRAME);
        frames.push(header(DATA, payload.length), payload);
        size += HEADER + payload.length;
      }
    }
    let flowing = true;
    if (size <= SMALL) {
      // Small messages and their headers leave in one TLS record (one copy of a few bytes).
      flowing = this.#socket.write(Buffer.concat(frames, size));
    } else {
      this.#socket.cork();
      for (const frame of frames) flowing = this.#socket.write(frame);
      this.#socket.uncork();
    }
    if (flowing) callback();
    else this.#socket.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#selfEnded = true;
    this.#socket.write(header(END, 0), () => {
      this.#closeWhenDone();
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearImmediate(this.#flushing);
    this.#socket.destroy();
    callback(error);
  }

  #onData(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - at);
        this.#remaining -= take;
        this.#gathered.push(chunk.subarray(at, at + take));
        this.#gatheredBytes += take;
        at += take;
        if (this.#remaining === 0) this.#remaining = -1;
        continue;
      }
      if (this.#peerEnded) {
        this.destroy(new Error('data after the end of the stream'));
        return;
      }
      const take = Math.min(HEADER - this.#headerBytes, chunk.length - at);
      chunk.copy(this.#header, this.#headerBytes, at, at + take);
      this.#headerBytes += take;
      at += take;
      if (this.#headerBytes < HEADER) break;
      this.#headerBytes = 0;
      const type = this.#header[0];
      const length = this.#header.readUInt32BE(1);
      if (type === END && length === 0) {
        this.#peerEnded = true;
        this.#flush();
        this.push(null);
        this.#closeWhenDone();
      } else if (type === DATA && length > 0 && length <= MAX_FRAME) {
        this.#remaining = length;
      } else {
        this.destroy(new Error(`malformed frame (type ${type}, length ${length})`));
        return;
      }
    }
    if (this.#gatheredBytes === 0) return;
    if (chunk.length >= FULL_PIECE && this.#gatheredBytes < COALESCE) {
      this.#flushing ??= setImmediate(() => this.#flush());
    } else this.#flush();
  }

  /** Passes on the payload gathered so far, in one chunk. */
  #flush(): void {
    clearImmediate(this.#flushing);
    this.#flushing = undefined;
    if (this.#gatheredBytes === 0 || this.destroyed) return;
    const payload =
      this.#gathered.length === 1 ? this.#gathered[0]! : Buffer.concat(this.#gathered, this.#gatheredBytes);
    this.#gathered = [];
    this.#gatheredBytes = 0;
    if (!this.push(payload)) this.#socket.pause();
  }

  /** Lets a reader drain what was delivered, then releases everything. */
  #gone(): void {
    if (this.destroyed) return;
    this.#flush();
    if (!this.#peerEnded) {
      this.#peerEnded = true;
      this.push(null);
    }
    if (this.readableEnded || this.readableLength === 0) this.destroy();
    else this.once('end', () => this.destroy());
  }

  /** Both directions ended: nothing is in flight either way, so the connection can close cleanly. */
  #closeWhenDone(): void {
    if (this.#peerEnded && this.#selfEnded) this.#socket.end();
  }
}

function header(type: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(HEADER);
  buffer[0] = type;
  buffer.writeUInt32BE(length, 1);
  return buffer;
}
