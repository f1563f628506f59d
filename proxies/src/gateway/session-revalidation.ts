/**
 * Live sessions decided again when change events may have been missed. On every (re)connect of the event
 * stream, every live session is re-decided on freshly fetched data (a policy deleted or a member removed
 * while the stream was down ends them then). While the stream is down, live sessions are re-decided every
 * `everyMs`: on cached data while it is recent enough, on refetched data after that, and when neither can be
 * had past the cache limit, they end: fail closed, like new connections.
 */
import type { Logger } from 'pino';
import type { PolicyCache } from '../control-plane/policy-cache.js';
import type { LiveSessions } from './live-sessions.js';

export interface SessionRevalidationOptions {
  sessions: LiveSessions;
  policies: PolicyCache;
  log: Logger;
  /** How often live sessions are re-decided while the event stream is down. */
  everyMs: number;
}

export class SessionRevalidation {
  readonly #options: SessionRevalidationOptions;
  readonly #timer: NodeJS.Timeout;
  #running: Promise<number> | undefined;

  constructor(options: SessionRevalidationOptions) {
    this.#options = options;
    this.#timer = setInterval(() => {
      if (!options.policies.eventsLive && !this.#running) void this.redecideAll();
    }, options.everyMs);
    this.#timer.unref();
  }

  /**
   * Re-decides every live session of every organization (after the round in progress, if any); an
   * organization whose data cannot be had has all its live sessions ended. Resolves with how many ended.
   */
  redecideAll(): Promise<number> {
    const run = (this.#running ?? Promise.resolve(0)).then(() => this.#redecide());
    this.#running = run;
    void run.finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    return run;
  }

  async #redecide(): Promise<number> {
    const { sessions, policies, log } = this.#options;
    let ended = 0;
    for (const organizationId of sessions.organizations()) {
      if (await policies.available(organizationId)) {
        ended += await sessions.recheck(organizationId);
      } else {
        ended += sessions.endOrganization(
          organizationId,
          `no current policy data (the control plane is unreachable; the cache limit is ${policies.maxAgeMs / 1000} s): failing closed`,
        );
      }
    }
    if (ended > 0) log.info({ ended }, 'live sessions decided again; some ended');
    return ended;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
