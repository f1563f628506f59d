/** ResponseSlots: each statement's end reaches its log line, also in pipelined batches with errors. */
import { describe, expect, it } from 'vitest';
import type { StatementEnd } from '../recording/query-log.js';
import { errorResponse } from './messages.js';
import { ResponseSlots, type SlotKind } from './response-slots.js';

const tag = (text: string) => Buffer.from(`${text}\0`);
const error = (code: string) => errorResponse({ S: 'ERROR', C: code, M: 'failed' }).subarray(5);

function entry(into: Record<string, StatementEnd>, name: string) {
  return { finish: (end: StatementEnd) => (into[name] = end) };
}

describe('ResponseSlots', () => {
  it('ends each Execute of a pipelined batch with its rows, and skips to the Sync after an error', () => {
    const ends: Record<string, StatementEnd> = {};
    const slots = new ResponseSlots();
    const push = (kind: SlotKind, name?: string) =>
      slots.push({ kind, entry: name ? entry(ends, name) : undefined });
    push('parse');
    push('bind');
    push('execute', 'first');
    push('bind');
    push('execute', 'second');
    push('sync');
    push('bind');
    push('execute', 'third');
    push('sync');
    slots.read('1', Buffer.alloc(0));
    slots.read('2', Buffer.alloc(0));
    slots.passed('D');
    slots.passed('D');
    slots.read('C', tag('SELECT 2'));
    slots.read('E', error('22012'));
    slots.read('Z', Buffer.from('E'));
    expect(ends.first).toEqual({ rows: 2, tag: 'SELECT 2', error: undefined });
    expect(ends.second).toMatchObject({ error: { code: '' } });
    expect(slots.pending).toBe(true);
    slots.read('2', Buffer.alloc(0));
    slots.read('C', tag('UPDATE 3'));
    slots.read('Z', Buffer.from('I'));
    expect(ends.third).toEqual({ rows: 3, tag: 'UPDATE 3', error: undefined });
    expect(slots.pending).toBe(false);
  });

  it('sends a refusal instead of the stand-in’s error, once, and keeps a Query open until ReadyForQuery', () => {
    const ends: Record<string, StatementEnd> = {};
    const slots = new ResponseSlots();
    const refusal = errorResponse({ S: 'ERROR', C: '42501', M: 'border0: no' });
    slots.push({ kind: 'query', entry: entry(ends, 'refused'), refusal });
    slots.push({ kind: 'query', entry: entry(ends, 'next') });
    expect(slots.read('E', error('42601'))).toBe(refusal);
    expect(ends.refused).toBeUndefined();
    slots.read('Z', Buffer.from('I'));
    expect(ends.refused).toMatchObject({ error: { code: '42601' } });
    expect(slots.read('E', error('22012'))).toBeUndefined();
    slots.read('Z', Buffer.from('I'));
    expect(ends.next).toMatchObject({ error: { code: '22012' } });
  });

  it('ends a Describe at its row description, and tells the backend key', () => {
    const slots = new ResponseSlots();
    let key: number[] = [];
    slots.onBackendKey = (pid, secret) => (key = [pid, secret]);
    const body = Buffer.alloc(8);
    body.writeInt32BE(42);
    body.writeInt32BE(-7, 4);
    slots.read('K', body);
    expect(key).toEqual([42, -7]);
    slots.push({ kind: 'describe' });
    slots.passed('t');
    expect(slots.pending).toBe(true);
    slots.passed('T');
    expect(slots.pending).toBe(false);
  });
});
