/**
 * ResponseTracker with scripted server answers (command phase): result sets with and without
 * CLIENT_DEPRECATE_EOF, multi-results, OK/ERR, LOCAL INFILE, COM_STMT_PREPARE's answer, and the proxy's own
 * ERR packets kept in command order. The server's bytes pass unchanged however they are cut.
 */

import { cutBytes } from '@border0/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIENT, SERVER_STATUS } from './capabilities.js';
import { errPacket, packet } from './packets.js';
import { lenencBytes, lenencInt } from './payload.js';
import { ResponseTracker, type ResultEnd } from './response-tracker.js';

const MORE = SERVER_STATUS.MORE_RESULTS_EXISTS;

function ok(seq: number, affected: number, status = 2): Buffer {
  const tail = Buffer.alloc(4);
  tail.writeUInt16LE(status, 0);
  return packet(seq, Buffer.concat([Buffer.from([0]), lenencInt(affected), lenencInt(0), tail]));
}
function eof(seq: number, status = 2): Buffer {
  const payload = Buffer.from([0xfe, 0, 0, 0, 0]);
  payload.writeUInt16LE(status, 3);
  return packet(seq, payload);
}
/** The OK that ends rows under CLIENT_DEPRECATE_EOF: header 0xFE. */
function okEof(seq: number, status = 2): Buffer {
  const body = ok(seq, 0, status);
  body[4] = 0xfe;
  return body;
}
const column = (seq: number, name: string) =>
  packet(seq, Buffer.concat(['def', 'db', 't', 't', name, name].map((s) => lenencBytes(Buffer.from(s)))));
const row = (seq: number, ...values: string[]) =>
  packet(seq, Buffer.concat(values.map((v) => lenencBytes(Buffer.from(v)))));

/** A result set of `rows` rows with one column, as the server sends it. */
function resultSet(rows: number, deprecateEof: boolean, status = 2): Buffer {
  let seq = 1;
  const parts = [packet(seq++, Buffer.from([1])), column(seq++, 'a')];
  if (!deprecateEof) parts.push(eof(seq++));
  for (let i = 0; i < rows; i++) parts.push(row(seq++, String(i)));
  parts.push(deprecateEof ? okEof(seq++, status) : eof(seq++, status));
  return Buffer.concat(parts);
}

describe('ResponseTracker', () => {
  for (const deprecateEof of [false, true]) {
    it(`counts the rows of each result of a multi-statement query (${deprecateEof ? 'DEPRECATE_EOF' : 'EOF'}), however the bytes are cut (property)`, () => {
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 20 }), (points) => {
          const tracker = new ResponseTracker(deprecateEof ? CLIENT.DEPRECATE_EOF : 0, 2);
          const results: [ResultEnd, boolean][] = [];
          tracker.expect({ kind: 'result', onResult: (end, more) => results.push([end, more]) });
          const stream = Buffer.concat([
            resultSet(3, deprecateEof, 2 | MORE),
            ok(1, 5, 2 | MORE),
            resultSet(0, deprecateEof),
          ]);
          const out = cutBytes(stream, points).flatMap((piece) => tracker.scan(piece));
          expect(Buffer.concat(out).equals(stream)).toBe(true);
          expect(results).toEqual([
            [{ rows: 3 }, true],
            [{ rows: 5 }, true],
            [{ rows: 0 }, false],
          ]);
          expect(tracker.pending).toBe(false);
        }),
      );
    });
  }

  it('ends at an ERR, with its code and SQLSTATE', () => {
    const tracker = new ResponseTracker(0, 2);
    const results: ResultEnd[] = [];
    tracker.expect({ kind: 'result', onResult: (end) => results.push(end) });
    tracker.scan(errPacket(1, 1146, '42S02', "Table 'shop.nope' doesn't exist"));
    expect(results).toEqual([{ error: { code: '1146/42S02', message: "Table 'shop.nope' doesn't exist" } }]);
    expect(tracker.pending).toBe(false);
  });

  it('follows a LOCAL INFILE request to the OK after the file', () => {
    const tracker = new ResponseTracker(0, 2);
    const events: string[] = [];
    tracker.expect({
      kind: 'result',
      onInfile: () => events.push('infile'),
      onResult: (end) => events.push(`rows ${end.rows}`),
    });
    tracker.scan(packet(1, Buffer.from('\xfb/tmp/items.tsv', 'latin1')));
    expect(events).toEqual(['infile']);
    tracker.scan(ok(4, 7));
    expect(events).toEqual(['infile', 'rows 7']);
  });

  it('reads COM_STMT_PREPARE’s answer and skips its parameter and column definitions', () => {
    const tracker = new ResponseTracker(0, 2);
    const prepared: number[][] = [];
    tracker.expect({ kind: 'prepare', onPrepared: (id, params) => prepared.push([id, params]) });
    const head = Buffer.alloc(12);
    head.writeUInt32LE(9, 1);
    head.writeUInt16LE(1, 5); // columns
    head.writeUInt16LE(2, 7); // params
    tracker.scan(Buffer.concat([packet(1, head), column(2, '?'), column(3, '?'), eof(4), column(5, 'a')]));
    expect(tracker.pending).toBe(true);
    tracker.scan(eof(6));
    expect(prepared).toEqual([[9, 2]]);
    expect(tracker.pending).toBe(false);
  });

  it('puts its own ERR between the answers of the commands around it', () => {
    const tracker = new ResponseTracker(0, 2);
    tracker.expect({ kind: 'one' });
    const refusal = errPacket(1, 1142, '42000', 'border0: no');
    expect(tracker.expect({ kind: 'local', packet: refusal })).toBeUndefined();
    tracker.expect({ kind: 'one' });
    const out = tracker.scan(Buffer.concat([ok(1, 0), ok(1, 0)]));
    expect(Buffer.concat(out)).toEqual(Buffer.concat([ok(1, 0), refusal, ok(1, 0)]));
    // With nothing outstanding, the proxy's answer goes at once.
    expect(tracker.expect({ kind: 'local', packet: refusal })).toBe(refusal);
  });

  it('keeps the server status, NO_BACKSLASH_ESCAPES included', () => {
    const tracker = new ResponseTracker(0, 2);
    tracker.expect({ kind: 'one' });
    tracker.scan(ok(1, 0, 2 | SERVER_STATUS.NO_BACKSLASH_ESCAPES));
    expect(tracker.status & SERVER_STATUS.NO_BACKSLASH_ESCAPES).toBeTruthy();
  });

  it('refuses a packet nobody asked for', () => {
    expect(() => new ResponseTracker(0, 2).scan(ok(1, 0))).toThrow(/nobody asked/);
  });
});
