/**
 * The proxy's heartbeat: it registers (so connectors find it), then re-asserts the live sessions it carries,
 * renewing their leases (the control plane ends a session unheard of for 3.5 heartbeats) and ending those the
 * control plane says must end: terminated while the event stream was down, already ended, or unknown. The
 * interval is the control plane's (`heartbeat_interval_seconds`).
 */
import type { Border0Client } from '@border0/sdk';
import type { Logger } from 'pino';
import type { LiveSessions } from '../gateway/live-sessions.js';
import { withDeadline } from './deadline.js';

/** Until the control plane says otherwise. */
const DEFAULT_INTERVAL_MS = 10_000;
/** Session ids per re-assertion (the API's limit). */
const IDS_PER_CALL = 1000;

export interface ProxyHeartbeatOptions {
  client: Border0Client;
  registration: { name: string; public_address: string; region?: string | undefined };
  sessions: LiveSessions;
  log: Logger;
}

export class ProxyHeartbeat {
  readonly #options: ProxyHeartbeatOptions;
  #intervalMs = DEFAULT_INTERVAL_MS;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: ProxyHeartbeatOptions) {
    this.#options = options;
  }

  /** The first beat, then one every interval; a failed beat is logged and the next one tries again. */
  async start(): Promise<void> {
    await this.#beat();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  /** Re-asserts every live session now; ends those the control plane says must end. Never throws. */
  async reassert(): Promise<number> {
    const { client, sessions, log } = this.#options;
    let ended = 0;
    const ids = sessions.ids();
    for (let from = 0; from < ids.length; from += IDS_PER_CALL) {
      try {
        const answer = await withDeadline(
          (signal) =>
            client.post('/api/v1/proxy/sessions/live', {
              body: { session_ids: ids.slice(from, from + IDS_PER_CALL) },
              signal,
            }),
          this.#intervalMs,
          're-assertion of live sessions',
        );
        for (const { session_id, reason } of answer.end) {
          if (sessions.terminate(session_id, reason)) ended++;
        }
      } catch (error) {
        log.warn({ err: error }, 'live sessions could not be re-asserted');
        break;
      }
    }
    if (ended > 0) log.info({ ended }, 'ended the sessions the control plane has ended');
    return ended;
  }

  async #beat(): Promise<void> {
    const { client, registration, log } = this.#options;
    try {
      const registered = await withDeadline(
        (signal) => client.post('/api/v1/proxy/register', { body: registration, signal }),
        this.#intervalMs,
        'registration',
      );
      this.#intervalMs = registered.heartbeat_interval_seconds * 1000;
    } catch (error) {
      log.warn({ err: error }, 'registration failed');
    }
    await this.reassert();
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.#beat(), this.#intervalMs);
    this.#timer.unref();
  }
}
