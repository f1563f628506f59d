/** The lifetime every database protocol shares once its client is logged in (database-session.ts dispatches). */
import type { QueryLog } from '../recording/query-log.js';
import type { AdmittedClient, ConnectionContext } from './client-admission.js';
import type { SessionReport } from './session-report.js';

/** A logged-in database session's relay, as the shared lifetime sees it. */
export interface DatabaseRelay {
  /** Relays until the session ends; resolves with why, when the proxy ended it. */
  run(): Promise<{ reason?: string | undefined }>;
  /** Ends the session, telling the client why and cancelling what runs upstream. */
  end(reason?: string): void;
}

/**
 * Carries a logged-in database session to its end, as every protocol does: live for terminations and
 * revocations (decided again on the database it works on now), bounded by the policy's maximum duration, and
 * reported ended only once its query log is complete.
 */
export async function runDatabaseSession(
  ctx: ConnectionContext,
  admitted: AdmittedClient,
  session: {
    id: string;
    relay: DatabaseRelay;
    /** The database the session works on now (undefined: none chosen yet). */
    database: () => string | undefined;
    report: SessionReport;
    queryLog: QueryLog | undefined;
  },
): Promise<void> {
  const { id, relay, report } = session;
  ctx.sessions.add({
    id,
    organizationId: admitted.lookup.organization.id,
    stillAllowed: async () => {
      const database = session.database();
      return (await admitted.decide({ type: 'database', ...(database !== undefined && { database }) }))
        .allowed;
    },
    end: (reason) => relay.end(reason),
  });
  const maxSeconds = admitted.decision.permissions?.max_session_duration_seconds;
  const timer = maxSeconds
    ? setTimeout(
        () => relay.end(`the session reached its maximum duration of ${maxSeconds} s`),
        maxSeconds * 1000,
      )
    : undefined;
  timer?.unref();
  try {
    const ended = await relay.run();
    await session.queryLog?.close();
    await report.end(ended.reason ? { result: 'terminated', reason: ended.reason } : {});
  } finally {
    clearTimeout(timer);
    ctx.sessions.remove(id);
  }
}
