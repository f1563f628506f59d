/**
 * A live session as the control plane sees it: byte totals reported every few seconds, events (commands,
 * refusals, file operations) as they happen, and one final report with the result. Reports never throw into
 * the data path: a control plane that is briefly away loses nothing but a progress report.
 */
import type { Border0Client } from '@border0/sdk';
import type { Logger } from 'pino';

const REPORT_EVERY_MS = 5000;
/** Events waiting for the control plane; beyond, new ones are counted and dropped (memory stays bounded). */
const MAX_PENDING_EVENTS = 1000;

export type SessionEnd = { result?: 'terminated' | 'failed' | 'denied'; reason?: string };

export class SessionReport {
  bytesIn = 0;
  bytesOut = 0;
  readonly #client: Border0Client;
  readonly #sessionId: string;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;
  readonly #measure: (() => { bytesIn: number; bytesOut: number }) | undefined;
  /** Events go out in order, one after another. */
  #events: Promise<unknown> = Promise.resolve();
  #pendingEvents = 0;
  #droppedEvents = 0;
  #ended = false;
  /** The byte totals of the last progress report. */
  #reported = { bytesIn: 0, bytesOut: 0 };

  /** `measure` reads the byte totals where they are counted anyway (e.g. a socket's); else set the fields. */
  constructor(
    client: Border0Client,
    sessionId: string,
    log: Logger,
    measure?: () => { bytesIn: number; bytesOut: number },
  ) {
    this.#measure = measure;
    this.#client = client;
    this.#sessionId = sessionId;
    this.#log = log;
    this.#timer = setInterval(() => void this.#progressIfMoved(), REPORT_EVERY_MS);
    this.#timer.unref();
  }

  /** Records what happened in the session, e.g. `ssh.exec` with the command. */
  event(type: string, data: Record<string, unknown>): void {
    if (this.#pendingEvents >= MAX_PENDING_EVENTS) {
      if (this.#droppedEvents++ === 0) this.#log.warn({ type }, 'session events fall behind; dropping');
      return;
    }
    const time = new Date().toISOString();
    const dropped = this.#droppedEvents;
    this.#droppedEvents = 0;
    this.#pendingEvents++;
    this.#events = this.#events.then(() =>
      this.#client
        .post('/api/v1/proxy/sessions/{session_id}/events', {
          params: { path: { session_id: this.#sessionId } },
          // How many were dropped before this one, so the record shows the gap.
          body: { type, time, data: dropped > 0 ? { ...data, events_dropped_before: dropped } : data },
        })
        .catch((error: unknown) => this.#log.warn({ err: error, type }, 'session event report failed'))
        .finally(() => {
          this.#pendingEvents--;
        }),
    );
  }

  /** The last report: once, after the events reported so far. */
  async end(end: SessionEnd = {}): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#timer);
    await this.#events;
    await this.#progress({ ended: true, ...end });
  }

  /**
   * A progress report only when bytes moved: an idle session costs the control plane nothing (its lease and
   * last-seen time are renewed with the proxy's heartbeat, `POST /proxy/sessions/live`, for all at once).
   */
  #progressIfMoved() {
    if (this.#measure) ({ bytesIn: this.bytesIn, bytesOut: this.bytesOut } = this.#measure());
    if (this.bytesIn === this.#reported.bytesIn && this.bytesOut === this.#reported.bytesOut) return;
    void this.#progress();
  }

  #progress(extra: { ended?: true } & SessionEnd = {}) {
    if (this.#measure) ({ bytesIn: this.bytesIn, bytesOut: this.bytesOut } = this.#measure());
    this.#reported = { bytesIn: this.bytesIn, bytesOut: this.bytesOut };
    return this.#client
      .patch('/api/v1/proxy/sessions/{session_id}', {
        params: { path: { session_id: this.#sessionId } },
        body: { bytes_in: this.bytesIn, bytes_out: this.bytesOut, ...extra },
      })
      .catch((error: unknown) => this.#log.warn({ err: error }, 'session report failed'));
  }
}
