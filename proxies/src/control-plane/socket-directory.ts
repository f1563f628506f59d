/**
 * Sockets by dnsname (the SNI of a connection), looked up through the SDK. A lookup happens before any
 * authentication, so clients must not be able to multiply them: names that cannot be a socket's are never
 * looked up, concurrent lookups of one name are one, answers (also "no such socket") are cached with bounds
 * on age and count, and lookups of names never found are rate limited (beyond, such a name is refused
 * unasked). Names found before are looked up again when their answer is old, outside that limit, so a flood
 * of made-up names cannot shut out the real ones; a change event about a socket looks it up at once.
 */
import { type Border0Client, Border0Error, type Schema } from '@border0/sdk';
import type { Logger } from 'pino';
import { ExpiringLru } from './expiring-lru.js';
import { TokenBucket } from './token-bucket.js';

export type SocketLookup = Schema<'ProxySocketLookup'>;

export interface SocketDirectoryOptions {
  /** Names outside it, or not of the form `<socket>-<org>.<base domain>`, name no socket. */
  baseDomain: string;
  /** How long a found socket is used before it is looked up again (default 60 s). */
  ttlMs?: number | undefined;
  /** How long a name that names no socket is remembered (default 30 s). */
  missTtlMs?: number | undefined;
  /** How many such names are remembered, the least recently asked forgotten first (default 10,000). */
  maxMisses?: number | undefined;
  /** Lookups of names never found, per second and in a burst (defaults 20 and 100). */
  lookupsPerSecond?: number | undefined;
  lookupBurst?: number | undefined;
  log: Logger;
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Found sockets are real ones: the bound only guards against a directory larger than memory. */
const MAX_FOUND = 100_000;
/** At most one warning this often while lookups are being refused. */
const WARN_EVERY_MS = 10_000;

export class SocketDirectory {
  readonly #client: Border0Client;
  readonly #suffix: string;
  readonly #log: Logger;
  readonly #ttlMs: number;
  /** Found sockets, with when: an old answer is looked up again (its age is checked here, not by the map). */
  readonly #found = new ExpiringLru<{ socket: SocketLookup; at: number }>(MAX_FOUND, Infinity);
  readonly #missing: ExpiringLru<true>;
  readonly #inFlight = new Map<string, Promise<SocketLookup | undefined>>();
  readonly #lookups: TokenBucket;
  #throttled = 0;
  #warnedAt = -Infinity;

  constructor(client: Border0Client, options: SocketDirectoryOptions) {
    this.#client = client;
    this.#suffix = `.${options.baseDomain.toLowerCase()}`;
    this.#log = options.log;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#missing = new ExpiringLru(options.maxMisses ?? 10_000, options.missTtlMs ?? 30_000);
    this.#lookups = new TokenBucket(options.lookupsPerSecond ?? 20, options.lookupBurst ?? 100);
  }

  /** The socket serving `dnsname`, or undefined when there is none (or the name cannot be looked up now). */
  find(dnsname: string): Promise<SocketLookup | undefined> {
    const name = dnsname.toLowerCase();
    if (!this.#plausible(name) || this.#missing.get(name)) return Promise.resolve(undefined);
    const found = this.#found.get(name);
    if (found && performance.now() - found.at < this.#ttlMs) return Promise.resolve(found.socket);
    const pending = this.#inFlight.get(name);
    if (pending) return pending;
    if (!found && !this.#lookups.take()) {
      this.#warnThrottled();
      return Promise.resolve(undefined);
    }
    return this.#lookUp(name);
  }

  /**
   * Forgets what is known of `dnsname` and looks it up again at once (a socket changed); without a name,
   * after events may have been missed: every found socket is looked up again at its next use.
   */
  forget(dnsname?: string): void {
    // Answers to lookups under way now may be from before the change: they are not cached.
    if (dnsname === undefined) {
      this.#inFlight.clear();
      this.#missing.clear();
      this.#found.forEach((entry) => {
        entry.at = -Infinity;
      });
      return;
    }
    const name = dnsname.toLowerCase();
    this.#found.delete(name);
    this.#missing.delete(name);
    this.#inFlight.delete(name);
    if (this.#plausible(name)) {
      this.#lookUp(name).catch((error: unknown) =>
        this.#log.warn({ err: error, dnsname: name }, 'socket lookup failed'),
      );
    }
  }

  #lookUp(name: string): Promise<SocketLookup | undefined> {
    const current = () => this.#inFlight.get(name) === lookup;
    const lookup = this.#client
      .get('/api/v1/proxy/sockets/{dnsname}', { params: { path: { dnsname: name } } })
      .then(
        (socket) => {
          if (current()) this.#found.set(name, { socket, at: performance.now() });
          return socket;
        },
        (error: unknown) => {
          if (!(error instanceof Border0Error && (error.status === 404 || error.status === 400))) throw error;
          if (current()) {
            this.#found.delete(name);
            this.#missing.set(name, true);
          }
          return undefined;
        },
      )
      .finally(() => {
        if (current()) this.#inFlight.delete(name);
      });
    this.#inFlight.set(name, lookup);
    return lookup;
  }

  /** `<socket>-<org>.<base domain>`: one DNS label with a hyphen inside, under the base domain. */
  #plausible(name: string): boolean {
    if (!name.endsWith(this.#suffix)) return false;
    const label = name.slice(0, -this.#suffix.length);
    return DNS_LABEL.test(label) && label.includes('-');
  }

  #warnThrottled(): void {
    this.#throttled++;
    const now = performance.now();
    if (now - this.#warnedAt < WARN_EVERY_MS) return;
    this.#warnedAt = now;
    this.#log.warn(
      { refused: this.#throttled },
      'socket lookups are rate limited: names never found are refused without asking the control plane',
    );
    this.#throttled = 0;
  }
}
