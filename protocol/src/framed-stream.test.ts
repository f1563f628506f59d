/** Frames carry bytes and each direction's end on its own, however the transport splits them. */
import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duplexPair } from './duplex-pair.js';
import { FramedStream } from './framed-stream.js';

const collect = (stream: Duplex) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });

/** A transport that re-splits everything written into it at the given sizes, like TCP may. */
function resplitting(sizes: number[]): [Duplex, Duplex] {
  const [a, b] = duplexPair();
  let i = 0;
  const wrap = (inner: Duplex) =>
    new Duplex({
      allowHalfOpen: true,
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        for (let at = 0; at < chunk.length; ) {
          const size = Math.max(1, sizes[i++ % sizes.length]!);
          inner.write(chunk.subarray(at, at + size));
          at += size;
        }
        callback();
      },
      final(callback) {
        inner.end();
        callback();
      },
      destroy(error, callback) {
        inner.destroy();
        callback(error);
      },
    });
  const left = wrap(a);
  const right = wrap(b);
  // What reaches each inner end comes out of the wrapper on the other side.
  b.on('data', (chunk) => right.push(chunk));
  b.on('end', () => right.push(null));
  a.on('data', (chunk) => left.push(chunk));
  a.on('end', () => left.push(null));
  return [left, right];
}

describe('FramedStream', () => {
  it('delivers both directions byte-exact, each ending on its own, however the bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 12 }),
        fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
        async (there, back, sizes) => {
          const [left, right] = resplitting(sizes);
          const a = new FramedStream(left);
          const b = new FramedStream(right);
          const atB = collect(b);
          const atA = collect(a);
          for (const part of there) a.write(Buffer.from(part));
          a.end();
          // b keeps sending after a ended: half-close.
          expect(await atB).toEqual(Buffer.concat(there.map((p) => Buffer.from(p))));
          for (const part of back) b.write(Buffer.from(part));
          b.end();
          expect(await atA).toEqual(Buffer.concat(back.map((p) => Buffer.from(p))));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('tears down on a malformed frame and on data after the end', async () => {
    for (const garbage of [
      Buffer.from([0x58, 0, 0, 0, 1, 0]),
      Buffer.from([0x44, 0, 0, 0, 0]),
      Buffer.from([0x44, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0x45, 0, 0, 0, 0, 0x44, 0, 0, 0, 1, 7]),
    ]) {
      const [raw, other] = duplexPair();
      const framed = new FramedStream(raw);
      framed.resume();
      const failed = new Promise<Error>((resolve) => framed.once('error', resolve));
      other.write(garbage);
      expect((await failed).message).toMatch(/malformed frame|data after the end/);
      expect(raw.destroyed).toBe(true);
    }
  });

  it('ends what it delivered when the transport closes without an end', async () => {
    const [raw, other] = duplexPair();
    const framed = new FramedStream(raw);
    const got = collect(framed);
    other.write(Buffer.from([0x44, 0, 0, 0, 2, 0x68, 0x69]));
    other.destroy();
    expect((await got).toString()).toBe('hi');
  });
});

describe('FramedStream reading what TLS decrypts', () => {
  const frame = (payload: Buffer) => {
    const header = Buffer.alloc(5);
    header[0] = 0x44;
    header.writeUInt32BE(payload.length, 1);
    return Buffer.concat([header, payload]);
  };
  const transport = () => new Duplex({ read() {}, write: (_chunk, _encoding, callback) => callback() });
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it('passes on the full 16 KiB pieces of one turn as one chunk, and a shorter piece at once', async () => {
    const socket = transport();
    const chunks: Buffer[] = [];
    new FramedStream(socket).on('data', (chunk: Buffer) => chunks.push(chunk));
    const payload = Buffer.alloc(64 * 1024, 7);
    const bytes = frame(payload);
    for (let at = 0; at < bytes.length; at += 16 * 1024)
      socket.emit('data', bytes.subarray(at, at + 16 * 1024));
    await turn();
    expect(chunks.map((c) => c.length)).toEqual([payload.length]);
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
  });

  it('does not hold back a full piece when nothing follows it, nor payload before a split header', async () => {
    const socket = transport();
    const chunks: Buffer[] = [];
    new FramedStream(socket).on('data', (chunk: Buffer) => chunks.push(chunk));
    const first = frame(Buffer.alloc(16 * 1024 - 5, 1));
    // A full piece, then one ending in the first two bytes of the next frame's header.
    socket.emit('data', first);
    await turn();
    expect(chunks.map((c) => c.length)).toEqual([16 * 1024 - 5]);
    const second = frame(Buffer.from('abc'));
    socket.emit('data', Buffer.concat([frame(Buffer.alloc(16 * 1024 - 3, 2)), second.subarray(0, 2)]));
    await turn();
    expect(chunks.map((c) => c.length)).toEqual([16 * 1024 - 5, 16 * 1024 - 3]);
    socket.emit('data', second.subarray(2));
    expect(chunks.at(-1)?.toString()).toBe('abc');
  });
});
