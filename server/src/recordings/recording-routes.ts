/**
 * /api/v1/sessions/{session_id}/recordings: what the proxies recorded of a session, listed and read back
 * whole or followed live. The session's read rules apply: members reach only their own sessions' recordings.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { errors, jsonResponse, PageQuery, pageOf } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { decodeCursor, toPage } from '../platform/http/pagination.js';
import type { Services } from '../services.js';
import { readableSession } from '../sessions/session-access.js';
import { SessionParams } from '../sessions/session-schemas.js';
import {
  RECORDING_MEDIA_TYPES,
  Recording,
  type RecordingFormat,
  RecordingParams,
  recordingToApi,
} from './recording-schemas.js';
import { findRecording, listRecordingRows } from './recording-store.js';
import { recordingStream } from './recording-stream.js';

const tags = ['Sessions'];

const listSessionRecordings = createRoute({
  tags,
  method: 'get',
  path: '/sessions/{session_id}/recordings',
  operationId: 'listSessionRecordings',
  summary: 'List the recordings of a session',
  request: { params: SessionParams, query: PageQuery },
  responses: {
    200: jsonResponse(pageOf(Recording, 'RecordingPage'), 'A page of recordings, oldest first.'),
    ...errors(400, 401, 403, 404),
  },
});
const getSessionRecording = createRoute({
  tags,
  method: 'get',
  path: '/sessions/{session_id}/recordings/{recording_id}',
  operationId: 'getSessionRecording',
  summary: 'Read a recording',
  description: [
    'The recording as one file, in its format: an SSH terminal (`asciicast-v2`) as `application/x-asciicast`,',
    'ready for asciinema players. With `follow=true` the response stays open while the recording is live and',
    'carries each new chunk as it arrives; it ends when the recording ends (or shortly after its session ends).',
  ].join(' '),
  request: {
    params: RecordingParams,
    query: z.object({
      follow: z
        .enum(['true', 'false'])
        .optional()
        .openapi({ description: '`true`: keep streaming while the recording is live.' }),
    }),
  },
  responses: {
    200: {
      description: 'The recording’s bytes.',
      content: {
        'application/x-asciicast': {
          schema: z.string().openapi({ example: '{"version":2,"width":80,"height":24}\n[0.5,"o","$ "]\n' }),
        },
        'application/x-ndjson': {
          schema: z.string().openapi({
            example:
              '{"version":1,"protocol":"postgres"}\n{"t":0.8,"seq":1,"db":"shop","kind":"query","statement":"select 1","rows":1}\n',
          }),
        },
        'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) },
      },
    },
    ...errors(400, 401, 403, 404),
  },
});

export function recordingRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(listSessionRecordings, async (c) => {
    const { session } = await readableSession(c, services, c.req.valid('param').session_id);
    const q = c.req.valid('query');
    const after = decodeCursor(q.cursor);
    const rows = await listRecordingRows(services.db, session, { after, limit: q.limit });
    return c.json(toPage(rows, q.limit, recordingToApi), 200);
  });

  app.openapi(getSessionRecording, async (c) => {
    const { session_id, recording_id } = c.req.valid('param');
    const { orgId, session } = await readableSession(c, services, session_id);
    const recording = await findRecording(services.db, orgId, session.id, recording_id);
    const follow = c.req.valid('query').follow === 'true';
    const body = recordingStream(services.db, services.recordings, recording, {
      follow,
      // A follower ends when the server stops, so that the server need not wait for the recording's end.
      ...(services.shutdown && { signal: services.shutdown }),
    });
    return c.body(body, 200, {
      'content-type':
        RECORDING_MEDIA_TYPES[recording.format as RecordingFormat] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // A followed stream is not reused once it ends, and a stopping server need not wait for it.
      ...(follow && { connection: 'close' }),
    });
  });

  return app;
}
