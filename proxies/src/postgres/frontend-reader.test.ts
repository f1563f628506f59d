/** FrontendReader: messages come out whole and in order however the bytes are cut; garbage is a ProtocolError. */

import { cutBytes } from '@border0/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrontendReader, ProtocolError } from './frontend-reader.js';
import { message, SSL_REQUEST, startupMessage } from './messages.js';

const TYPES = 'BCDEFHPQSXcdfp'.split('');
const typed = fc.record({ type: fc.constantFrom(...TYPES), body: fc.uint8Array({ maxLength: 300 }) });

describe('FrontendReader', () => {
  it('reads typed messages whole and in order, however the stream is cut (property)', () => {
    fc.assert(
      fc.property(
        fc.array(typed, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (messages, points) => {
          const stream = Buffer.concat(messages.map((m) => message(m.type, Buffer.from(m.body))));
          const reader = new FrontendReader();
          reader.startupDone();
          const read = cutBytes(stream, points).flatMap((piece) => reader.push(piece));
          expect(read.map((m) => ({ type: m.type, body: new Uint8Array(m.body) }))).toEqual(
            messages.map((m) => ({ type: m.type, body: new Uint8Array(m.body) })),
          );
          expect(Buffer.concat(read.map((m) => m.raw))).toEqual(stream);
          expect(reader.partial).toBe(false);
        },
      ),
    );
  });

  it('reads startup packets one at a time, leaving what follows for the next call', () => {
    const reader = new FrontendReader();
    const ssl = Buffer.alloc(8);
    ssl.writeInt32BE(8);
    ssl.writeInt32BE(SSL_REQUEST, 4);
    const startup = startupMessage(
      new Map([
        ['user', 'ana'],
        ['database', 'shop'],
      ]),
    );
    const [first] = reader.push(Buffer.concat([ssl, startup]));
    expect(first!.body.readInt32BE(0)).toBe(SSL_REQUEST);
    const [second] = reader.push(Buffer.alloc(0));
    expect(second!.raw).toEqual(startup);
  });

  it('refuses bad lengths and types before buffering anything', () => {
    const startup = (length: number) => {
      const b = Buffer.alloc(8);
      b.writeInt32BE(length);
      return b;
    };
    for (const length of [0, 3, 7, 10_001, 2 ** 31 - 1, -1]) {
      expect(() => new FrontendReader().push(startup(length))).toThrow(ProtocolError);
    }
    expect(() => new FrontendReader().push(Buffer.from([0x16, 3, 1, 0, 0xff, 1, 0, 0]))).toThrow(
      /TLS handshake/,
    );
    const typedReader = () => {
      const reader = new FrontendReader({ maxMessageBytes: 1000, maxCopyDataBytes: 2000 });
      reader.startupDone();
      return reader;
    };
    const header = (type: string, length: number) => {
      const b = Buffer.alloc(5);
      b.write(type, 0, 'latin1');
      b.writeInt32BE(length, 1);
      return b;
    };
    expect(() => typedReader().push(header('Q', 3))).toThrow(/invalid message length/);
    expect(() => typedReader().push(header('Q', 1001))).toThrow(/over the limit/);
    expect(() => typedReader().push(header('d', 1500))).not.toThrow();
    expect(() => typedReader().push(header('d', 2001))).toThrow(/over the limit/);
    expect(() => typedReader().push(header('Z', 4))).toThrow(/invalid frontend message type/);
  });

  it('never throws anything but ProtocolError on random bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }),
        (startup, chunks) => {
          const reader = new FrontendReader({ maxMessageBytes: 4096, maxCopyDataBytes: 4096 });
          if (!startup) reader.startupDone();
          try {
            for (const chunk of chunks) reader.push(Buffer.from(chunk));
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
          }
        },
      ),
    );
  });
});
