/**
 * Two in-memory duplex streams wired to each other, like the two ends of a socket: what one writes the other
 * reads; ending or destroying one ends the other's readable side.
 * (node:stream's duplexPair arrived in Node 22; we run on 20.)
 */
import { Duplex } from 'node:stream';

export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (index: number) =>
    new Duplex({
      allowHalfOpen: true,
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        ends[1 - index]!.push(chunk);
        callback();
      },
      final(callback) {
        ends[1 - index]!.push(null);
        callback();
      },
      destroy(error, callback) {
        // Like a socket closing: the peer reads to the end of what it was sent, then sees EOF.
        ends[1 - index]!.push(null);
        callback(error);
      },
    });
  ends.push(make(0), make(1));
  return [ends[0]!, ends[1]!];
}
