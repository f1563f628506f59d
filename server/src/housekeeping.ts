/**
 * Periodic clean-up of rows that only expire: device login codes and the tokens of ended logins. Every
 * instance runs it; the deletes are idempotent, so several instances over one store do no harm.
 */
import type { Logger } from 'pino';
import { sweepExpiredDeviceLogins } from './auth/device-login.js';
import type { Store } from './db/database.js';

export const HOUSEKEEPING_INTERVAL_MS = 10 * 60 * 1000;

export function startHousekeeping(
  db: Store,
  logger: Logger,
  intervalMs = HOUSEKEEPING_INTERVAL_MS,
): () => void {
  let running = false;
  const sweep = () => {
    // One sweep at a time: a slow store must not pile up rounds.
    if (running) return;
    running = true;
    sweepExpiredDeviceLogins(db)
      .then((deleted) => {
        if (deleted > 0) logger.info({ deleted }, 'expired device logins swept');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'housekeeping failed; next round retries'))
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
