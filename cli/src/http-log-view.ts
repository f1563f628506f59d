/**
 * An HTTP session's access log (recording format `http-log`, JSON lines) as people read it: a table in
 * `border0 session show`, one row per request. Paths are chosen by the client: they are shown on one line with
 * control characters made visible.
 */
import { jsonLogLines, oneLine } from './json-log.js';
import type { Column } from './output.js';

export interface HttpLogLine {
  t: number;
  method: string;
  path: string;
  status: number;
  bytes_in: number;
  bytes_out: number;
  duration_ms: number;
  user: string;
  upgrade?: boolean;
  error?: string;
}

const MAX_PATH = 80;

/** The request lines of an access log (the header is checked and skipped). */
export function httpLogLines(lines: AsyncIterable<string>): AsyncGenerator<HttpLogLine> {
  return jsonLogLines<HttpLogLine>(
    lines,
    'access log',
    (v) => typeof v.t === 'number' && typeof v.path === 'string',
  );
}

export const HTTP_LOG_COLUMNS: Column<HttpLogLine>[] = [
  ['T', (l) => l.t.toFixed(3)],
  ['METHOD', (l) => oneLine(l.method, 10)],
  ['PATH', (l) => oneLine(l.path, MAX_PATH)],
  ['STATUS', (l) => `${l.status}${l.upgrade ? ' (ws)' : ''}${l.error ? ` ${oneLine(l.error, 60)}` : ''}`],
  ['IN', (l) => l.bytes_in],
  ['OUT', (l) => l.bytes_out],
  ['MS', (l) => l.duration_ms.toFixed(1)],
  ['USER', (l) => oneLine(l.user, 40)],
];
