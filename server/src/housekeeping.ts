/**
 * Periodic work of every instance: clean-up of rows that only expire (device login codes, the tokens of
 * ended logins and of web identity exchanges), and the end of live sessions whose proxy stopped renewing
 * them (sessions/session-lease-store.ts).
 * Every instance runs it; each round is safe alongside the same round elsewhere over one store.
 */
import type { Logger } from 'pino';
import { sweepOidcLogins } from './identity-providers/oidc-login-state-store.js';
import { sweepExpiredDeviceLogins } from './login/device-login-store.js';
import type { Store } from './platform/db/database.js';
import { endLapsedSessions, sessionLeaseMs } from './sessions/session-lease-store.js';
import { sweepExpiredWebIdentityTokens } from './web-identities/web-identity-store.js';
import { sweepEndedLoginSessions } from './web-login/login-session-store.js';

export const HOUSEKEEPING_INTERVAL_MS = 10 * 60 * 1000;

export interface HousekeepingOptions {
  /** The proxies' heartbeat: sessions lapse after 3.5 of them, checked twice per heartbeat. */
  heartbeatSeconds: number;
  intervalMs?: number | undefined;
  now?: () => number;
}

/** Runs `round` every `intervalMs`, one at a time: a slow store must not pile up rounds. */
function every(intervalMs: number, round: () => Promise<void>): NodeJS.Timeout {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void round().finally(() => {
      running = false;
    });
  }, intervalMs);
  timer.unref();
  return timer;
}

/**
 * Ends lapsed sessions, but only once this instance has itself been watching, with the store answering, for
 * a whole lease: after the control plane or its store was away, proxies get a lease to re-assert what they
 * carry before any silence counts against them.
 */
export function sessionLeaseSweep(db: Store, logger: Logger, leaseMs: number, now: () => number = Date.now) {
  let watchingSince: number | undefined = now();
  return async (): Promise<void> => {
    watchingSince ??= now();
    if (now() - watchingSince < leaseMs) return;
    try {
      const ended = await endLapsedSessions(db, leaseMs, new Date(now()));
      if (ended.sessions + ended.recordings > 0) {
        logger.info(ended, 'ended the live sessions and recordings whose proxy stopped reporting');
      }
    } catch (error) {
      watchingSince = undefined;
      logger.warn({ err: error }, 'session lease sweep failed; the next round retries');
    }
  };
}

export function startHousekeeping(db: Store, logger: Logger, options: HousekeepingOptions): () => void {
  const leaseMs = sessionLeaseMs(options.heartbeatSeconds);
  const timers = [
    every(options.intervalMs ?? HOUSEKEEPING_INTERVAL_MS, async () => {
      await sweepExpiredDeviceLogins(db)
        .then((deleted) => {
          if (deleted > 0) logger.info({ deleted }, 'expired device logins swept');
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'housekeeping failed; next round retries'));
      await sweepEndedLoginSessions(db)
        .then((deleted) => {
          if (deleted > 0) logger.info({ deleted }, 'ended browser logins swept');
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'housekeeping failed; next round retries'));
      await sweepExpiredWebIdentityTokens(db)
        .then((deleted) => {
          if (deleted > 0) logger.info({ deleted }, 'expired web identity tokens swept');
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'housekeeping failed; next round retries'));
      await sweepOidcLogins(db)
        .then((deleted) => {
          if (deleted > 0) logger.info({ deleted }, 'ended identity provider logins swept');
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'housekeeping failed; next round retries'));
    }),
    every((options.heartbeatSeconds * 1000) / 2, sessionLeaseSweep(db, logger, leaseMs, options.now)),
  ];
  return () => {
    for (const timer of timers) clearInterval(timer);
  };
}
