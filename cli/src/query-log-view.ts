/**
 * A database session's query log (recording format `query-log`, JSON lines) as people read it: a table in
 * `border0 session show`, a timeline in `border0 session replay`. Statement texts and errors are chosen by
 * the client or the database: they are shown on one line with control characters made visible.
 */
import { jsonLogLines, oneLine } from './json-log.js';

export interface QueryLogLine {
  t: number;
  seq: number;
  db: string;
  kind: string;
  statement: string;
  params?: (string | null)[];
  query_type?: string;
  duration_ms?: number;
  rows?: number;
  tag?: string;
  error?: { code: string; message: string };
  refused?: string;
}

const MAX_SHOWN = 160;

/** How a statement ended, in a few words. */
export function outcomeOf(line: QueryLogLine): string {
  if (line.refused !== undefined) return `REFUSED: ${oneLine(line.refused, 100)}`;
  if (line.error) return `ERROR ${oneLine(line.error.code, 10)}: ${oneLine(line.error.message, 100)}`;
  const rows = line.rows !== undefined ? `${line.rows} row${line.rows === 1 ? '' : 's'}` : '';
  const time = line.duration_ms !== undefined ? `${line.duration_ms.toFixed(1)} ms` : '';
  return [rows, time].filter(Boolean).join(', ');
}

/** The statement lines of a query log (the header is checked and skipped). */
export function queryLogLines(lines: AsyncIterable<string>): AsyncGenerator<QueryLogLine> {
  return jsonLogLines<QueryLogLine>(
    lines,
    'query log',
    (v) => typeof v.t === 'number' && typeof v.statement === 'string',
  );
}

/** `[  12.345] shop  query  select 1  → 1 row, 0.4 ms` */
export function timelineLine(line: QueryLogLine): string {
  const params = line.params?.length
    ? `  [${line.params.map((p) => (p === null ? 'NULL' : oneLine(p, 40))).join(', ')}]`
    : '';
  return `[${line.t.toFixed(3).padStart(9)}] ${oneLine(line.db, 30)}  ${line.kind}  ${oneLine(line.statement, MAX_SHOWN)}${params}  → ${outcomeOf(line)}`;
}

/** Plays the statements at their pace (or at once), one line each. */
export async function playQueryLog(
  lines: AsyncIterable<QueryLogLine>,
  write: (text: string) => void,
  options: { speed: number; maxIdle: number; toEnd: boolean },
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<void> {
  let previous = 0;
  for await (const line of lines) {
    if (!options.toEnd) {
      const pause = Math.min(Math.max(line.t - previous, 0), options.maxIdle) / options.speed;
      if (pause > 0.001) await sleep(pause * 1000);
    }
    previous = Math.max(previous, line.t);
    write(`${timelineLine(line)}\n`);
  }
}
