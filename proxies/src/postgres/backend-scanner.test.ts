/** BackendScanner: the stream goes on byte for byte unless a message is replaced, however it is cut. */

import { cutBytes } from '@border0/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackendScanner } from './backend-scanner.js';
import { ProtocolError } from './frontend-reader.js';
import { message } from './messages.js';

const backend = fc.record({
  type: fc.constantFrom(...'CEZ123nsIKSDTdNAtGH'.split('')),
  body: fc.uint8Array({ maxLength: 200 }),
});

describe('BackendScanner', () => {
  it('forwards every byte in order and reads the small messages whole (property)', () => {
    fc.assert(
      fc.property(
        fc.array(backend, { maxLength: 25 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (messages, points) => {
          const stream = Buffer.concat(messages.map((m) => message(m.type, Buffer.from(m.body))));
          const seen: string[] = [];
          const scanner = new BackendScanner({
            read: (type, body) => {
              seen.push(`${type}:${body.toString('hex')}`);
              return undefined;
            },
            passed: (type) => seen.push(type),
          });
          const out = Buffer.concat(cutBytes(stream, points).flatMap((piece) => scanner.scan(piece)));
          expect(out).toEqual(stream);
          expect(scanner.betweenMessages).toBe(true);
          expect(seen).toEqual(
            messages.map((m) =>
              'DTdAtN'.includes(m.type) && m.type !== 'N'
                ? m.type
                : `${m.type}:${Buffer.from(m.body).toString('hex')}`,
            ),
          );
        },
      ),
    );
  });

  it('replaces exactly the messages the handler answers for, wherever the cuts fall (property)', () => {
    fc.assert(
      fc.property(
        fc.array(backend, { maxLength: 25 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (messages, points) => {
          const replacement = message('E', Buffer.from('Mreplaced\0\0'));
          const stream = Buffer.concat(messages.map((m) => message(m.type, Buffer.from(m.body))));
          const expected = Buffer.concat(
            messages.map((m) => (m.type === 'E' ? replacement : message(m.type, Buffer.from(m.body)))),
          );
          const scanner = new BackendScanner({
            read: (type) => (type === 'E' ? replacement : undefined),
            passed: () => {},
          });
          const out = Buffer.concat(cutBytes(stream, points).flatMap((piece) => scanner.scan(piece)));
          expect(out).toEqual(expected);
        },
      ),
    );
  });

  it('streams a large row without holding it', () => {
    const row = message('D', Buffer.alloc(1024 * 1024, 7));
    const scanner = new BackendScanner({ read: () => undefined, passed: () => {} });
    const parts = cutBytes(row, [10, 70_000, 500_000]).map((piece) => scanner.scan(piece));
    // Each piece goes out as it came: nothing is held back.
    expect(parts.map((p) => Buffer.concat(p).length)).toEqual([10, 69_990, 430_000, row.length - 500_000]);
  });

  it('refuses a length under 4 from the upstream', () => {
    const scanner = new BackendScanner({ read: () => undefined, passed: () => {} });
    expect(() => scanner.scan(Buffer.from([0x43, 0, 0, 0, 3]))).toThrow(ProtocolError);
  });
});
