/** The access log as people read it: one row per request, nothing in it can act on the terminal. */
import { describe, expect, it } from 'vitest';
import { HTTP_LOG_COLUMNS, type HttpLogLine, httpLogLines } from './http-log-view.js';
import { tableOf } from './output.js';

async function* from(lines: string[]) {
  yield* lines;
}

const HEADER = JSON.stringify({ version: 1, session_id: 's', socket: 'web-acme.localhost', identity: 'ann' });
const line: HttpLogLine = {
  t: 0.25,
  method: 'GET',
  path: '/reports?y=2',
  status: 200,
  bytes_in: 0,
  bytes_out: 1234,
  duration_ms: 3.21,
  user: 'ann@acme.test',
};

describe('access log view', () => {
  it('lists each request with its status, bytes, duration and user', async () => {
    const lines: HttpLogLine[] = [];
    for await (const l of httpLogLines(from([HEADER, JSON.stringify(line), '']))) lines.push(l);
    const table = tableOf(lines, HTTP_LOG_COLUMNS);
    expect(table.split('\n')[0]).toMatch(/^T\s+METHOD\s+PATH\s+STATUS\s+IN\s+OUT\s+MS\s+USER$/);
    expect(table).toMatch(/0\.250\s+GET\s+\/reports\?y=2\s+200\s+0\s+1234\s+3\.2\s+ann@acme\.test/);
  });

  it('neutralises what the client chose and marks WebSockets', () => {
    const hostile = { ...line, path: '/\u001b]52;c;Y2xpcA==\u0007\n', upgrade: true, status: 101 };
    const table = tableOf([hostile], HTTP_LOG_COLUMNS);
    expect(table).not.toContain('\u001b');
    expect(table).not.toContain('\u0007');
    expect(table).toContain('101 (ws)');
  });

  it('refuses what is not an access log', async () => {
    await expect(httpLogLines(from(['{"version":2}', JSON.stringify(line)])).next()).rejects.toThrow(
      'not an access log',
    );
  });
});
