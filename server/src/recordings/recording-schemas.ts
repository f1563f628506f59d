/** Recordings of sessions: their API shape, the formats they come in, and how a chunk is numbered. */
import { z } from '@hono/zod-openapi';
import type { Selectable } from 'kysely';
import type { RecordingsTable } from '../platform/db/schema.js';
import { Id, Timestamp } from '../platform/http/common-schemas.js';
import { Bytes, iso, isoOrNull, SessionParams } from '../sessions/session-schemas.js';
import { SEQ_DIGITS } from './recording-key.js';

export const RECORDING_FORMATS = ['asciicast-v2', 'query-log', 'http-log'] as const;
export type RecordingFormat = (typeof RECORDING_FORMATS)[number];

/** The media type a recording is served as. */
export const RECORDING_MEDIA_TYPES: Record<RecordingFormat, string> = {
  'asciicast-v2': 'application/x-asciicast',
  'query-log': 'application/x-ndjson',
  'http-log': 'application/x-ndjson',
};

/** One chunk at most; the proxies flush every second, far below it. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
export const MAX_CHUNK_SEQ = 10 ** SEQ_DIGITS - 1;

export const Recording = z
  .object({
    id: Id,
    session_id: Id,
    format: z.enum(RECORDING_FORMATS),
    started_at: Timestamp,
    ended_at: Timestamp.nullable().openapi({ description: 'Null while the proxy is still recording.' }),
    size_bytes: Bytes.openapi({ description: 'Bytes stored so far: the sum of the chunks.' }),
  })
  .openapi('Recording');

export const RecordingCreate = z
  .strictObject({
    format: z.enum(RECORDING_FORMATS).openapi({
      description:
        '`asciicast-v2`: an SSH terminal (asciicast v2); `query-log`: a database session’s statements (JSON lines: a header, then one line per statement with `t` seconds, `seq`, `db`, `kind`, `statement`, `params`, `query_type`, `duration_ms`, `rows`, `tag`, `error` or `refused`); `http-log`: an HTTP session’s access log (JSON lines: a header with `version` 1, `session_id`, `socket`, `identity`, `started_at`, then one line per finished request with `t` seconds, `method`, `path`, `status`, `bytes_in`, `bytes_out`, `duration_ms`, `user`, and `upgrade: true` for a WebSocket or `error` when the upstream could not answer).',
    }),
    started_at: Timestamp.optional().openapi({ description: 'When recording started; now when absent.' }),
  })
  .openapi('RecordingCreate');

export const RecordingParams = SessionParams.extend({
  recording_id: Id.openapi({ param: { name: 'recording_id', in: 'path' } }),
});

/**
 * A chunk number: decimal digits only. Coercing with `Number()` would also take `0x10` or `1e3`, so the
 * digits are checked before the number is.
 */
export const ChunkSeq = z
  .preprocess(
    (value) => (typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value),
    z.number().int().min(0).max(MAX_CHUNK_SEQ),
  )
  .openapi({
    param: { name: 'seq', in: 'path' },
    description: 'The chunk’s number: 0 for the first, then 1, 2… in the order the proxy wrote them.',
    example: 0,
  });

export function recordingToApi(row: Selectable<RecordingsTable>) {
  return Recording.parse({
    id: row.id,
    session_id: row.session_id,
    format: row.format,
    started_at: iso(row.started_at),
    ended_at: isoOrNull(row.ended_at),
    size_bytes: Number(row.size_bytes),
  });
}
