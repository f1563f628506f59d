/**
 * The chunks of each recording as the API acknowledged them. A proxy retries chunks and may deliver them out
 * of order: one row per (recording, seq) keeps the size exact when a chunk is replaced, and tells a follower
 * which chunks are contiguous. `chunk_count` and `last_chunk_at` let a follower poll one row.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('recordings')
    .addColumn('chunk_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('recordings').addColumn('last_chunk_at', 'timestamptz').execute();
  await db.schema
    .createTable('recording_chunks')
    .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id').onDelete('cascade'))
    // Up to 10 digits (recording-key.ts): past what an integer holds.
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('recording_chunks_pk', ['recording_id', 'seq'])
    .execute();
}
