/**
 * The control plane's change events (Server-Sent Events from `GET /api/v1/proxy/events` for proxies and
 * `GET /api/v1/connector/events` for connectors), read through the client and reconnected forever with
 * backoff. `ready` starts every stream: whatever was cached before it may have missed events, so listeners
 * drop their caches on it. A stream silent for three of its heartbeats is taken as broken (a link that
 * drops packets without closing), so that a listener never believes events arrive when none can.
 */
import { Backoff } from './backoff.js';
import type { Border0Client } from './client.js';

/** What proxies hear; see the description of `streamProxyEvents` in the API reference. */
export type ProxyEvent =
  | { type: 'ready' }
  | { type: 'policy-data'; organization_id: string }
  | { type: 'session-terminate'; session_id: string; organization_id: string }
  | { type: 'socket'; dnsname: string }
  | { type: 'trust'; organization_id: string }
  | { type: 'connector-revoke'; organization_id: string; connector_id: string; token_id: string | null };

/** What connectors hear; see the description of `streamConnectorEvents`. */
export type ConnectorEvent = { type: 'ready' } | { type: 'config' };

/** Heartbeats a stream may miss before it is taken as broken. */
const MISSED_HEARTBEATS = 3;

const PATHS = { proxy: '/api/v1/proxy/events', connector: '/api/v1/connector/events' } as const;
type EventOf<S extends keyof typeof PATHS> = S extends 'proxy' ? ProxyEvent : ConnectorEvent;

export interface EventStreamOptions<S extends keyof typeof PATHS> {
  client: Border0Client;
  /** Which stream: the proxies' or a connector's (by the client's token). */
  stream: S;
  onEvent: (event: EventOf<S>) => void;
  /** Called with false when the stream breaks, true when it is live again. */
  onConnectedChange?: (connected: boolean) => void;
  log?: { warn(details: object, message: string): void } | undefined;
}

/** Parses SSE text into events; returns the unparsed rest (an incomplete event). */
export function parseServerSentEvents(buffer: string, emit: (type: string, data: string) => void): string {
  let rest = buffer;
  for (let end = rest.indexOf('\n\n'); end !== -1; end = rest.indexOf('\n\n')) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) emit(type, data.join('\n'));
  }
  return rest;
}

export class EventStream<S extends keyof typeof PATHS> {
  #closed = false;
  #abort = new AbortController();
  readonly #options: EventStreamOptions<S>;

  constructor(options: EventStreamOptions<S>) {
    this.#options = options;
  }

  start(): this {
    void this.#run();
    return this;
  }

  close(): void {
    this.#closed = true;
    this.#abort.abort();
  }

  async #run(): Promise<void> {
    const backoff = new Backoff({ initialMs: 250, maxMs: 5_000 });
    while (!this.#closed) {
      try {
        await this.#readOnce();
        backoff.reset();
      } catch (error) {
        if (this.#closed) return;
        this.#options.log?.warn({ err: error }, 'event stream broke; reconnecting');
      }
      this.#options.onConnectedChange?.(false);
      if (this.#closed) return;
      await new Promise((resolve) => setTimeout(resolve, backoff.next()));
    }
  }

  async #readOnce(): Promise<void> {
    // Both paths take no parameters; the generic index only confuses the inference.
    const path = PATHS[this.#options.stream] as '/api/v1/proxy/events';
    const { data } = await this.#options.client.raw.GET(path, {
      parseAs: 'stream',
      signal: this.#abort.signal,
    });
    if (!data) throw new Error('the event stream has no body');
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = (data as ReadableStream<Uint8Array>).getReader();
    // Silence is noticed by cancelling the body itself: an abort signal may not reach a body being read.
    let silence: Error | undefined;
    let silenceLimitMs: number | undefined;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const heard = () => {
      if (silenceLimitMs === undefined) return;
      clearTimeout(watchdog);
      const limit = silenceLimitMs;
      watchdog = setTimeout(() => {
        silence = new Error(`the event stream was silent for ${limit} ms`);
        reader.cancel(silence).catch(() => {});
      }, limit);
    };
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (silence) throw silence;
        if (done) return;
        heard();
        buffer = parseServerSentEvents(buffer + decoder.decode(value, { stream: true }), (type, text) => {
          try {
            const event = { type, ...JSON.parse(text) };
            if (type === 'ready') {
              const seconds = Number(event.heartbeat_interval_seconds);
              if (seconds > 0) silenceLimitMs = seconds * 1000 * MISSED_HEARTBEATS;
              heard();
              this.#options.onConnectedChange?.(true);
            }
            this.#options.onEvent(event as EventOf<S>);
          } catch (error) {
            this.#options.log?.warn({ err: error, type }, 'unreadable event skipped');
          }
        });
      }
    } finally {
      clearTimeout(watchdog);
      reader.releaseLock();
    }
  }
}
