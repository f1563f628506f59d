/**
 * A live session is a lease that the proxy carrying it renews: each heartbeat re-asserts the sessions the
 * proxy still carries (`POST /proxy/sessions/live`), each progress report renews its own. A session left
 * unrenewed for a lease has lost its proxy (killed, restarted, cut off, or alive but it lost the session's
 * end report): the control plane ends it as `failed` (`terminated` when an admin had asked), with its open
 * recordings, so that nothing stays live forever and followers of its recording stop. Per session rather
 * than per proxy: proxies share tokens and may share names, and a restarted proxy needs no identity of its
 * own to shed the sessions of the process before it.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../platform/db/schema.js';

/** Missed heartbeats before a session is given up, plus half an interval of slack for a slow one. */
const LEASE_HEARTBEATS = 3.5;
/** Sessions ended per statement: a dead proxy's thousands of sessions end in a few quick rounds. */
const SWEEP_BATCH = 500;

/** How long a live session stays live without a word from its proxy. */
export function sessionLeaseMs(heartbeatSeconds: number): number {
  return heartbeatSeconds * LEASE_HEARTBEATS * 1000;
}

export function lapsedReason(leaseMs: number): string {
  return `ended by the control plane: the proxy carrying it stopped reporting it (no word for ${leaseMs / 1000} s)`;
}

export interface SessionToEnd {
  session_id: string;
  reason: string;
}

/**
 * Renews the leases of the live sessions the proxy of `proxyTokenId` says it carries, and answers which of
 * them it must end: those an admin asked to terminate (their lease is not renewed: the record ends them
 * even if the proxy does not), those already ended here, and those this proxy did not open.
 */
export async function renewSessionLeases(
  db: Kysely<Database>,
  proxyTokenId: string,
  sessionIds: string[],
  now = new Date(),
): Promise<SessionToEnd[]> {
  if (sessionIds.length === 0) return [];
  await db
    .updateTable('sessions')
    .set({ last_seen_at: now })
    .where('id', 'in', sessionIds)
    .where('proxy_token_id', '=', proxyTokenId)
    .where('ended_at', 'is', null)
    .where('terminate_requested_at', 'is', null)
    .execute();
  const rows = await db
    .selectFrom('sessions')
    .select(['id', 'ended_at', 'terminate_requested_at', 'reason'])
    .where('id', 'in', sessionIds)
    .where('proxy_token_id', '=', proxyTokenId)
    .execute();
  const known = new Map(rows.map((row) => [row.id, row]));
  const toEnd: SessionToEnd[] = [];
  for (const id of new Set(sessionIds)) {
    const row = known.get(id);
    const reason = !row
      ? 'the control plane knows no such session of this proxy'
      : row.ended_at !== null
        ? `the session has ended (${row.reason ?? 'reported ended'})`
        : row.terminate_requested_at !== null
          ? 'terminated by an administrator'
          : undefined;
    if (reason) toEnd.push({ session_id: id, reason });
  }
  return toEnd;
}

/**
 * Ends the live sessions whose lease lapsed before `now`, and closes the open recordings of sessions that
 * ended so, or that ended longer than a lease ago (a proxy that died between a session's end and its
 * recording's). Safe in every server instance at once: rows another sweep holds are skipped, not waited for.
 */
export async function endLapsedSessions(
  db: Kysely<Database>,
  leaseMs: number,
  now = new Date(),
): Promise<{ sessions: number; recordings: number }> {
  const cutoff = new Date(now.getTime() - leaseMs);
  let sessions = 0;
  let recordings = 0;
  for (;;) {
    const round = await db.transaction().execute(async (trx) => {
      const lapsed = await trx
        .updateTable('sessions')
        .set({
          ended_at: now,
          result: sql<string>`case when terminate_requested_at is null then 'failed' else 'terminated' end`,
          reason: lapsedReason(leaseMs),
        })
        .where('id', 'in', (qb) =>
          qb
            .selectFrom('sessions')
            .select('id')
            .where('ended_at', 'is', null)
            .where('last_seen_at', '<', cutoff)
            .orderBy('id')
            .limit(SWEEP_BATCH)
            .forUpdate()
            .skipLocked(),
        )
        .returning('id')
        .execute();
      const ids = lapsed.map((row) => row.id);
      const closed = await trx
        .updateTable('recordings')
        .set({ ended_at: now })
        .where('ended_at', 'is', null)
        .where((eb) =>
          eb.or([
            ...(ids.length > 0 ? [eb('session_id', 'in', ids)] : []),
            eb(
              'session_id',
              'in',
              eb
                .selectFrom('sessions')
                .select('id')
                .where('ended_at', 'is not', null)
                .where('ended_at', '<', cutoff),
            ),
          ]),
        )
        .executeTakeFirst();
      return { sessions: ids.length, recordings: Number(closed.numUpdatedRows) };
    });
    sessions += round.sessions;
    recordings += round.recordings;
    if (round.sessions < SWEEP_BATCH) return { sessions, recordings };
  }
}
