/**
 * /api/v1/proxy/sessions/{session_id}/recordings: a proxy records a session and streams the recording in
 * numbered chunks, flushed at least every second, then ends it. The session names the organization; the
 * bytes go to the recording storage, the bookkeeping to the database. Chunks are not audited (one a second
 * per session); starting a recording is.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { authorizeProxy } from '../platform/auth/authorize.js';
import {
  errors,
  IDEMPOTENT,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  Problem,
} from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { createIdempotent, mutate } from '../platform/http/mutation.js';
import { ApiError } from '../platform/http/problem.js';
import { PROXY_TAG } from '../proxies/proxy-routes.js';
import type { Services } from '../services.js';
import { SessionParams } from '../sessions/session-schemas.js';
import { findSession, proxySessionOrganization } from '../sessions/session-store.js';
import {
  ChunkSeq,
  MAX_CHUNK_BYTES,
  Recording,
  RecordingCreate,
  RecordingParams,
  recordingToApi,
} from './recording-schemas.js';
import {
  acknowledgeChunk,
  assertRecordingOpen,
  endRecording,
  findRecording,
  insertRecording,
} from './recording-store.js';

const tags = [PROXY_TAG];
const ChunkParams = RecordingParams.extend({ seq: ChunkSeq });

const CHUNK_PATH = /^\/api\/v1\/proxy\/sessions\/[^/]+\/recordings\/[^/]+\/chunks\/[^/]+$/;

/** Whether a request is a chunk upload, whose body is bytes: the API's JSON-only rule lets it through. */
export function isChunkUpload(method: string, path: string): boolean {
  return method === 'PUT' && CHUNK_PATH.test(path);
}

const createProxyRecording = createRoute({
  tags,
  method: 'post',
  path: '/proxy/sessions/{session_id}/recordings',
  operationId: 'createProxyRecording',
  summary: 'Start a recording of a live session',
  description: 'A session that has ended takes no new recording (409).',
  ...IDEMPOTENT,
  request: {
    params: SessionParams,
    headers: IdempotencyHeaders,
    body: jsonBody(RecordingCreate, { format: 'asciicast-v2', started_at: '2026-11-26T08:00:00.000Z' }),
  },
  responses: {
    201: jsonResponse(Recording, 'The new recording.'),
    ...errors(400, 401, 403, 404, 409, 413, 415, 422),
  },
});
const putProxyRecordingChunk = createRoute({
  tags,
  method: 'put',
  path: '/proxy/sessions/{session_id}/recordings/{recording_id}/chunks/{seq}',
  operationId: 'putProxyRecordingChunk',
  summary: 'Store one chunk of a recording',
  description: [
    `The chunk’s bytes as \`application/octet-stream\`, at most ${MAX_CHUNK_BYTES} bytes. Number chunks 0, 1,`,
    '2… in the order they were written; they may arrive in any order, and putting a chunk again replaces it',
    '(a retry never duplicates data). A recording that has ended takes no more chunks (409).',
  ].join(' '),
  request: {
    params: ChunkParams,
    body: {
      required: true,
      content: {
        'application/octet-stream': {
          schema: z.string().openapi({ format: 'binary' }),
          // The bytes of an asciicast v2 recording: one event line.
          example: '[0.248, "o", "ubuntu@web:~$ "]\n',
        },
      },
    },
  },
  responses: {
    204: { description: 'Stored.' },
    ...errors(400, 401, 403, 404, 409, 413),
    415: {
      description: 'The body is not `application/octet-stream`.',
      content: { 'application/problem+json': { schema: Problem } },
    },
  },
});
const endProxyRecording = createRoute({
  tags,
  method: 'post',
  path: '/proxy/sessions/{session_id}/recordings/{recording_id}/end',
  operationId: 'endProxyRecording',
  summary: 'End a recording',
  description: 'After the last chunk was stored. Ending a recording again answers it unchanged.',
  request: { params: RecordingParams },
  responses: { 200: jsonResponse(Recording, 'The ended recording.'), ...errors(400, 401, 403, 404) },
});

export function proxyRecordingRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(createProxyRecording, async (c) => {
    const proxy = authorizeProxy(c);
    const { session_id } = c.req.valid('param');
    const body = c.req.valid('json');
    // A proxy serves every organization: the session says which one this is.
    const orgId = await proxySessionOrganization(services.db, session_id, proxy.tokenId);
    const { status, body: created } = await createIdempotent(
      c,
      services,
      'createProxyRecording',
      { session_id, ...body },
      async (trx, audit) => {
        const session = await findSession(trx, orgId, session_id, null, true);
        return { status: 201, body: recordingToApi(await insertRecording(trx, audit, session, body)) };
      },
      { orgId },
    );
    return c.json(created as z.infer<typeof Recording>, status as 201);
  });

  app.openapi(putProxyRecordingChunk, async (c) => {
    const proxy = authorizeProxy(c);
    const { session_id, recording_id, seq } = c.req.valid('param');
    if (!/^application\/octet-stream\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
      throw new ApiError('unsupported_media_type', 'send the chunk as application/octet-stream');
    }
    const orgId = await proxySessionOrganization(services.db, session_id, proxy.tokenId);
    const recording = await findRecording(services.db, orgId, session_id, recording_id);
    // Checked before the bytes are stored, so that a late chunk never reaches the storage; checked again,
    // locked, when it is acknowledged.
    assertRecordingOpen(recording);
    // The API's body limit already holds a chunk to this size; this keeps the promise if that limit grows.
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > MAX_CHUNK_BYTES) {
      throw new ApiError('payload_too_large', `a chunk is at most ${MAX_CHUNK_BYTES} bytes`);
    }
    await services.recordings.putChunk(recording.storage_key, seq, bytes);
    await mutate(c, services, (trx) => acknowledgeChunk(trx, recording, seq, bytes.byteLength), { orgId });
    return c.body(null, 204);
  });

  app.openapi(endProxyRecording, async (c) => {
    const proxy = authorizeProxy(c);
    const { session_id, recording_id } = c.req.valid('param');
    const orgId = await proxySessionOrganization(services.db, session_id, proxy.tokenId);
    const ended = await mutate(c, services, (trx) => endRecording(trx, orgId, session_id, recording_id), {
      orgId,
    });
    return c.json(recordingToApi(ended), 200);
  });

  return app;
}
