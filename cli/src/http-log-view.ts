/**
 * An HTTP session's access log (recording format `http-log`, JSON lines) as people read it: a table in
 * `border0 session show`, one row per request. Paths are chosen by the client: they are shown on one line with
 * control characters made visible.
 */
import { CliError } from './errors.js';
import type { Column } from './output.js';
import { visible } from './terminal-text.js';

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

function oneLine(text: string, max: number): string {
  const flat = visible(String(text).replace(/[\r\n\t]+/g, ' '));
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The request lines of an access log (the header is checked and skipped). */
export async function* httpLogLines(lines: AsyncIterable<string>): AsyncGenerator<HttpLogLine> {
  let header = true;
  let number = 0;
  for await (const text of lines) {
    number++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new CliError(`the access log is damaged at line ${number}`);
    }
    if (header) {
      header = false;
      if ((value as { version?: unknown }).version !== 1) throw new CliError('not an access log');
      continue;
    }
    const line = value as HttpLogLine;
    if (typeof line.t === 'number' && typeof line.path === 'string') yield line;
  }
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
