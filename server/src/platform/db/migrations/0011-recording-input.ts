/**
 * ssh sockets may record what the client sends (asciicast `i` events) besides what the terminal prints: off
 * for every socket until an admin turns it on, since passwords typed at prompts are recorded too.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('sockets')
    .addColumn('recording_input_enabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
}
