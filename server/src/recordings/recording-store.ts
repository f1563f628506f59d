/**
 * Recordings as the database knows them: the row of each recording, and the chunks the API acknowledged.
 * The bytes themselves are in the recording storage (storage.ts), under a key built here from ids only.
 */
import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Database, RecordingsTable } from '../platform/db/schema.js';
import type { Audit } from '../platform/http/mutation.js';
import type { PageRequest } from '../platform/http/pagination.js';
import { ApiError, notFound } from '../platform/http/problem.js';
import { newId } from '../platform/ids.js';
import type { SessionRow } from '../sessions/session-store.js';
import { assertRecordingKey } from './recording-key.js';
import type { RecordingFormat } from './recording-schemas.js';

export type RecordingRow = Selectable<RecordingsTable>;

/** `<org id>/<session id>/<recording id>`: ids the server made, never a caller's text. */
export function recordingKey(orgId: string, sessionId: string, recordingId: string): string {
  const key = `${orgId}/${sessionId}/${recordingId}`;
  assertRecordingKey(key);
  return key;
}

export async function findRecording(
  db: Kysely<Database>,
  orgId: string,
  sessionId: string,
  id: string,
  lock = false,
): Promise<RecordingRow> {
  const row = await db
    .selectFrom('recordings')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('session_id', '=', sessionId)
    .where('id', '=', id)
    .$if(lock, (qb) => qb.forUpdate())
    .executeTakeFirst();
  if (!row) throw notFound(`recording ${id} of session ${sessionId}`);
  return row;
}

/** Starts a recording of a live session (audited); chunks follow. */
export async function insertRecording(
  trx: Kysely<Database>,
  audit: Audit,
  session: SessionRow,
  body: { format: RecordingFormat; started_at?: string | undefined },
): Promise<RecordingRow> {
  if (session.ended_at !== null) throw new ApiError('conflict', `session ${session.id} has already ended`);
  const id = newId();
  await trx
    .insertInto('recordings')
    .values({
      id,
      org_id: session.org_id,
      session_id: session.id,
      format: body.format,
      started_at: body.started_at ?? new Date(),
      ended_at: null,
      size_bytes: 0,
      storage_key: recordingKey(session.org_id, session.id, id),
    })
    .execute();
  await audit({
    action: 'recording.create',
    resource_type: 'recording',
    resource_id: id,
    details: { session: session.id, format: body.format },
  });
  return findRecording(trx, session.org_id, session.id, id);
}

/** Refuses chunks once the recording has ended: what a reader has taken for the whole recording stays so. */
export function assertRecordingOpen(recording: RecordingRow): void {
  if (recording.ended_at !== null) {
    throw new ApiError('conflict', `recording ${recording.id} has ended and takes no more chunks`);
  }
}

/**
 * Acknowledges chunk `seq` (its bytes already stored): a chunk put again replaces the earlier one, so the
 * size counts it once, at its latest length.
 */
export async function acknowledgeChunk(
  trx: Kysely<Database>,
  recording: RecordingRow,
  seq: number,
  size: number,
): Promise<void> {
  // Locked, so that a chunk and the recording's end are never interleaved.
  assertRecordingOpen(await findRecording(trx, recording.org_id, recording.session_id, recording.id, true));
  const previous = await trx
    .selectFrom('recording_chunks')
    .select('size_bytes')
    .where('recording_id', '=', recording.id)
    .where('seq', '=', seq)
    .executeTakeFirst();
  const now = new Date();
  await trx
    .insertInto('recording_chunks')
    .values({ recording_id: recording.id, seq, size_bytes: size, stored_at: now })
    .onConflict((oc) => oc.columns(['recording_id', 'seq']).doUpdateSet({ size_bytes: size, stored_at: now }))
    .execute();
  const grown = size - (previous?.size_bytes ?? 0);
  await trx
    .updateTable('recordings')
    .set({
      size_bytes: sql<string>`size_bytes + ${grown}`,
      chunk_count: sql<number>`chunk_count + ${previous ? 0 : 1}`,
      last_chunk_at: now,
    })
    .where('id', '=', recording.id)
    .execute();
}

/** Ends a recording; ending it again changes nothing, so a proxy may retry. */
export async function endRecording(
  trx: Kysely<Database>,
  orgId: string,
  sessionId: string,
  id: string,
): Promise<RecordingRow> {
  const row = await findRecording(trx, orgId, sessionId, id, true);
  if (row.ended_at !== null) return row;
  await trx.updateTable('recordings').set({ ended_at: new Date() }).where('id', '=', row.id).execute();
  return findRecording(trx, orgId, sessionId, id);
}

/** A page of the session's recordings, oldest first. */
export function listRecordingRows(db: Kysely<Database>, session: SessionRow, page: PageRequest) {
  return db
    .selectFrom('recordings')
    .selectAll()
    .where('org_id', '=', session.org_id)
    .where('session_id', '=', session.id)
    .$if(page.after !== undefined, (qb) => qb.where('id', '>', page.after!))
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
}

/** How far the recording got: whether it or its session ended, its chunk count and when the last one came. */
export function recordingProgress(db: Kysely<Database>, recordingId: string) {
  return db
    .selectFrom('recordings')
    .innerJoin('sessions', 'sessions.id', 'recordings.session_id')
    .select([
      'recordings.ended_at',
      'recordings.chunk_count',
      'recordings.last_chunk_at',
      'sessions.ended_at as session_ended_at',
    ])
    .where('recordings.id', '=', recordingId)
    .executeTakeFirst();
}

/** The sequence numbers of the acknowledged chunks from `from` on, in order, at most `limit`. */
export async function chunkSeqs(
  db: Kysely<Database>,
  recordingId: string,
  from: number,
  limit: number,
): Promise<number[]> {
  const rows = await db
    .selectFrom('recording_chunks')
    .select('seq')
    .where('recording_id', '=', recordingId)
    .where('seq', '>=', from)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => Number(row.seq));
}
