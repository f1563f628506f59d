/**
 * An HTTP session's access log (recording format `http-log`): JSON lines, a header first, then one line per
 * request once it has finished: `t` (seconds since the log started, when the request arrived), `method`,
 * `path` (with its query, bounded), `status` (0 when no response was sent), `bytes_in` and `bytes_out` (the
 * bodies), `duration_ms`, `user`, and `upgrade: true` for a WebSocket (its bytes and duration are the whole
 * connection's) or `error` when the upstream could not answer. Flushed at least every second.
 */
import { LineChunkWriter } from '@border0/protocol';
import type { Border0Client } from '@border0/sdk';
import type { Logger } from 'pino';
import { startRecordingUpload } from './recording-upload.js';

const MAX_PATH_CHARS = 2048;
const FLUSH_EVERY_MS = 500;

export interface HttpLogHeader {
  session_id: string;
  socket: string;
  identity: string;
}

export interface HttpLogEntry {
  /** performance.now() when the request arrived. */
  startedAt: number;
  method: string;
  path: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  upgrade?: boolean | undefined;
  error?: string | undefined;
}

export interface HttpLog {
  write(entry: HttpLogEntry): void;
  close(): Promise<void>;
}

export async function startHttpLog(
  client: Border0Client,
  header: HttpLogHeader,
  log: Logger,
): Promise<HttpLog> {
  const upload = await startRecordingUpload(client, header.session_id, 'http-log', log);
  const writer = new LineChunkWriter({
    sink: upload.sink,
    onError: upload.onError,
    flushIntervalMs: FLUSH_EVERY_MS,
  });
  const started = performance.now();
  writer.append(`${JSON.stringify({ version: 1, ...header, started_at: new Date().toISOString() })}\n`);
  let closing: Promise<void> | undefined;
  return {
    write(entry) {
      const line = {
        t: Number(((entry.startedAt - started) / 1000).toFixed(6)),
        method: entry.method,
        path: entry.path.length > MAX_PATH_CHARS ? `${entry.path.slice(0, MAX_PATH_CHARS)}…` : entry.path,
        status: entry.status,
        bytes_in: entry.bytesIn,
        bytes_out: entry.bytesOut,
        duration_ms: Number((performance.now() - entry.startedAt).toFixed(3)),
        user: header.identity,
        ...(entry.upgrade && { upgrade: true }),
        ...(entry.error && { error: entry.error }),
      };
      writer.append(`${JSON.stringify(line)}\n`);
    },
    close() {
      closing ??= writer.close().then(() => upload.end());
      return closing;
    },
  };
}
