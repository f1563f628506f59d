/**
 * A database session's query log (recording format `query-log`): JSON lines, a header first, then one line per
 * statement once it has finished (time sent, database, text with its bound parameters, query type, duration,
 * rows, the upstream's error or the proxy's refusal). Uploaded in chunks while the session runs, like a
 * terminal recording, so a crash loses at most the last quarter second or so. Texts are bounded.
 */
import { LineChunkWriter } from '@border0/protocol';
import type { Border0Client } from '@border0/sdk';
import type { Logger } from 'pino';
import { startRecordingUpload } from './recording-upload.js';

const MAX_STATEMENT_CHARS = 64 * 1024;
const MAX_PARAMETER_CHARS = 1024;
const MAX_PARAMETERS = 100;

export interface QueryLogHeader {
  protocol: 'postgres' | 'mysql';
  session_id: string;
  socket: string;
  identity: string;
  upstream_user: string;
  database: string;
}

export interface StatementStart {
  kind: 'query' | 'prepare' | 'execute' | 'function_call' | 'init_db';
  database: string;
  statement: string;
  parameters?: (string | null)[] | undefined;
  query_type?: string | undefined;
  /** The proxy refused the statement, and why. */
  refused?: string | undefined;
}

export interface StatementEnd {
  rows?: number | undefined;
  tag?: string | undefined;
  error?: { code: string; message: string } | undefined;
}

export interface LoggedStatement {
  finish(end: StatementEnd): void;
}

export interface QueryLog {
  begin(start: StatementStart): LoggedStatement;
  close(): Promise<void>;
}

export async function startQueryLog(
  client: Border0Client,
  header: QueryLogHeader,
  log: Logger,
): Promise<QueryLog> {
  const upload = await startRecordingUpload(client, header.session_id, 'query-log', log);
  const writer = new LineChunkWriter({ sink: upload.sink, onError: upload.onError });
  const started = performance.now();
  writer.append(`${JSON.stringify({ version: 1, ...header, started_at: new Date().toISOString() })}\n`);
  let seq = 0;
  let closing: Promise<void> | undefined;
  return {
    begin(start) {
      const t = (performance.now() - started) / 1000;
      const number = ++seq;
      return {
        finish(end) {
          const line = {
            t: Number(t.toFixed(6)),
            seq: number,
            db: start.database,
            kind: start.kind,
            ...bounded(start.statement),
            ...(start.parameters && { params: boundedParameters(start.parameters) }),
            ...(start.query_type && { query_type: start.query_type }),
            ...(start.refused !== undefined
              ? { refused: start.refused }
              : { duration_ms: Number((performance.now() - started - t * 1000).toFixed(3)) }),
            ...(end.rows !== undefined && { rows: end.rows }),
            ...(end.tag !== undefined && { tag: end.tag }),
            ...(end.error && start.refused === undefined && { error: end.error }),
          };
          writer.append(`${JSON.stringify(line)}\n`);
        },
      };
    },
    close() {
      closing ??= writer.close().then(() => upload.end());
      return closing;
    },
  };
}

function bounded(statement: string): { statement: string; truncated?: true; length?: number } {
  if (statement.length <= MAX_STATEMENT_CHARS) return { statement };
  return { statement: statement.slice(0, MAX_STATEMENT_CHARS), truncated: true, length: statement.length };
}

function boundedParameters(parameters: (string | null)[]): (string | null)[] {
  return parameters
    .slice(0, MAX_PARAMETERS)
    .map((value) =>
      value !== null && value.length > MAX_PARAMETER_CHARS
        ? `${value.slice(0, MAX_PARAMETER_CHARS)}…`
        : value,
    );
}
