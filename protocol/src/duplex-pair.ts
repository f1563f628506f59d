/**
 * Two in-memory duplex streams wired to each other, like the two ends of a socket: what one writes the other
 * reads; ending or destroying one ends the other's readable side (after what it was sent).
 * (node:stream's duplexPair arrived in Node 22; we run on 20.)
 *
 * As from a socket, bytes arrive on a later tick: delivered within the writer's write, a peer that answers at
 * once re-enters the writer mid-write (an SSH peer then answers before its cipher state moved on). Writes
 * complete at once while the reader keeps up; past its high-water mark they wait for it (backpressure).
 */
import { Duplex } from 'node:stream';

/** One end: a Duplex with what a socket's user may also read or call (byte counts, setNoDelay). */
export class PipeEnd extends Duplex {
  bytesRead = 0;
  bytesWritten = 0;
  #other: PipeEnd | undefined;
  /** The other end's write that waits until this end is read again. */
  #waitingWrite: (() => void) | undefined;
  /** Bytes written to this end's reader that arrive on the next tick. */
  #arriving = 0;

  constructor() {
    super({ allowHalfOpen: true });
  }

  static pair(): [PipeEnd, PipeEnd] {
    const a = new PipeEnd();
    const b = new PipeEnd();
    a.#other = b;
    b.#other = a;
    return [a, b];
  }

  override _read(): void {
    const resume = this.#waitingWrite;
    this.#waitingWrite = undefined;
    resume?.();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const other = this.#other!;
    this.bytesWritten += chunk.length;
    other.bytesRead += chunk.length;
    other.#arriving += chunk.length;
    process.nextTick(() => {
      other.#arriving -= chunk.length;
      if (!other.destroyed) other.push(chunk);
    });
    // Taken at once while the reader keeps up (as a socket's send buffer takes it), else when it reads again.
    if (other.readableLength + other.#arriving <= other.readableHighWaterMark) done();
    else other.#waitingWrite = () => done();
  }

  override _final(done: (error?: Error | null) => void): void {
    const other = this.#other!;
    process.nextTick(() => {
      if (!other.destroyed) other.push(null);
      done();
    });
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    const other = this.#other!;
    // Like a socket closing: the peer reads to the end of what it was sent, then sees EOF; its writes go nowhere.
    process.nextTick(() => {
      if (!other.destroyed) other.push(null);
    });
    this._read();
    done(error);
  }

  setNoDelay(): this {
    return this;
  }
}

export function duplexPair(): [PipeEnd, PipeEnd] {
  return PipeEnd.pair();
}
