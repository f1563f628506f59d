/** The query log as people read it: one line per statement, nothing in it can act on the terminal. */
import { describe, expect, it } from 'vitest';
import { playQueryLog, type QueryLogLine, queryLogLines, timelineLine } from './query-log-view.js';

async function* from(lines: string[]) {
  yield* lines;
}

const HEADER = JSON.stringify({ version: 1, protocol: 'postgres', session_id: 's' });

describe('query log view', () => {
  it('shows each statement on one line with how it ended', () => {
    const base: QueryLogLine = {
      t: 1.5,
      seq: 1,
      db: 'shop',
      kind: 'query',
      statement: 'select 1',
      rows: 1,
      duration_ms: 0.42,
    };
    expect(timelineLine(base)).toBe('[    1.500] shop  query  select 1  → 1 row, 0.4 ms');
    expect(timelineLine({ ...base, kind: 'execute', statement: 'select $1', params: ['7', null] })).toContain(
      'select $1  [7, NULL]',
    );
    expect(
      timelineLine({ ...base, rows: undefined, error: { code: '57014', message: 'canceling statement' } }),
    ).toContain('→ ERROR 57014: canceling statement');
    expect(timelineLine({ ...base, refused: 'read write queries on shop are not allowed' })).toContain(
      '→ REFUSED: read write',
    );
  });

  it('neutralises what the client chose: escape sequences and line breaks', () => {
    const hostile: QueryLogLine = {
      t: 0,
      seq: 1,
      db: 'shop\u001b]0;owned\u0007',
      kind: 'query',
      statement: 'select 1;\n\u001b]52;c;Y2xpcGJvYXJk\u0007\u001b[6n',
      error: { code: '42601', message: 'bad\u001b[2J' },
    };
    const text = timelineLine(hostile);
    const controls = [...text].filter((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
    expect(controls).toEqual([]);
    expect(text.split('\n')).toHaveLength(1);
  });

  it('plays lines at their pace, shortening long pauses, and checks the header', async () => {
    const lines = [
      HEADER,
      JSON.stringify({ t: 0.5, seq: 1, db: 'shop', kind: 'query', statement: 'a' }),
      JSON.stringify({ t: 10.5, seq: 2, db: 'shop', kind: 'query', statement: 'b' }),
    ];
    const slept: number[] = [];
    const out: string[] = [];
    await playQueryLog(
      queryLogLines(from(lines)),
      (text) => out.push(text),
      { speed: 2, maxIdle: 2, toEnd: false },
      async (ms) => {
        slept.push(ms);
      },
    );
    expect(slept).toEqual([250, 1000]);
    expect(out).toHaveLength(2);
    await expect(
      playQueryLog(queryLogLines(from(['{"version":2}'])), () => {}, { speed: 1, maxIdle: 1, toEnd: true }),
    ).rejects.toThrow(/not a query log/);
    await expect(
      playQueryLog(queryLogLines(from([HEADER, '{oops'])), () => {}, { speed: 1, maxIdle: 1, toEnd: true }),
    ).rejects.toThrow(/damaged at line 2/);
  });
});
