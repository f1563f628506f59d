/**
 * Bounds on connections that have not logged in yet: a deadline for each phase (the TLS handshake, counted
 * from accept; then the login of the socket's protocol) and a budget of such connections per client address
 * and in all. Node's own `handshakeTimeout` starts only with a ClientHello: without these, a client that sends
 * nothing, half a ClientHello or a bare record header holds its descriptor for ever.
 *
 * Once logged in, a connection is a session and leaves the guard. A connector's tunnel leaves it when its
 * TLS handshake completes (the tunnel server has its own deadline for the tunnel's login), so clients hogging
 * an address's budget delay a connector from that address only during its own handshake.
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { addressGroup } from './address-group.js';

export interface ConnectionLimits {
  /** From accept until the TLS handshake completes. */
  handshakeTimeoutMs: number;
  /** From the TLS handshake until the protocol has logged the client in (SSH: its user authentication). */
  loginTimeoutMs: number;
  /** Connections not logged in that one address (an IPv6 /64) may hold; more are refused at accept. */
  maxPendingPerAddress: number;
  /** Connections not logged in, in all; at the limit the oldest is closed to make room for the new one. */
  maxPending: number;
}

/**
 * The total stays well under the descriptor limit (`ulimit -n`), which sessions, tunnels and upstream
 * connections share.
 */
export function defaultConnectionLimits(): ConnectionLimits {
  const descriptors = openFilesLimit();
  return {
    handshakeTimeoutMs: 10_000,
    loginTimeoutMs: 10_000,
    maxPendingPerAddress: 64,
    maxPending: descriptors ? Math.max(64, Math.min(4096, Math.floor(descriptors / 4))) : 4096,
  };
}

/** The soft limit on open files, where Linux tells it. */
function openFilesLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** How often cut connections are summed up in one log line (individual ones are logged at debug level). */
const SUMMARY_EVERY_MS = 60_000;

type Phase = 'handshake' | 'login';

interface Pending {
  key: string;
  raw: Socket;
  group: string;
  phase: Phase;
  timer: NodeJS.Timeout;
}

export class ConnectionGuard {
  readonly #limits: ConnectionLimits;
  readonly #log: Logger;
  /** By the connection's remote address and port; insertion order is age. */
  readonly #pending = new Map<string, Pending>();
  readonly #perGroup = new Map<string, number>();
  /** Addresses already warned about since the last summary: one line per address, not one per refusal. */
  readonly #warned = new Set<string>();
  readonly #cut = { refused: 0, evicted: 0, handshake: 0, login: 0 };
  readonly #summary: NodeJS.Timeout;

  constructor(limits: ConnectionLimits, log: Logger) {
    this.#limits = limits;
    this.#log = log;
    this.#summary = setInterval(() => this.#summarise(), SUMMARY_EVERY_MS);
    this.#summary.unref();
  }

  /** Connections not logged in yet. */
  get pending(): number {
    return this.#pending.size;
  }

  /** A new TCP connection: false when refused (it is already reset), else its handshake deadline runs. */
  accept(raw: Socket): boolean {
    raw.on('error', () => {});
    const address = raw.remoteAddress;
    if (!address || raw.remotePort === undefined) {
      raw.destroy();
      return false;
    }
    const group = addressGroup(address);
    const held = this.#perGroup.get(group) ?? 0;
    if (held >= this.#limits.maxPendingPerAddress) {
      this.#cut.refused++;
      if (!this.#warned.has(group) && this.#warned.size < 1000) {
        this.#warned.add(group);
        this.#log.warn(
          { ip: address, limit: this.#limits.maxPendingPerAddress },
          'refusing connections from this address: it holds the most connections that have not logged in',
        );
      }
      raw.resetAndDestroy();
      return false;
    }
    if (this.#pending.size >= this.#limits.maxPending) {
      const [, oldest] = this.#pending.entries().next().value!;
      this.#cut.evicted++;
      oldest.raw.destroy();
      this.#release(oldest);
    }
    const key = connectionKey(address, raw.remotePort);
    const timer = this.#deadline(raw, 'handshake');
    const pending: Pending = { key, raw, group, phase: 'handshake', timer };
    this.#pending.set(key, pending);
    this.#perGroup.set(group, held + 1);
    raw.once('close', () => this.#release(pending));
    return true;
  }

  /**
   * The TLS handshake of a connection completed. A tunnel leaves the guard; a client's login deadline starts,
   * and the returned function ends it once the protocol has logged the client in. Undefined when the
   * connection is no longer pending (its deadline passed meanwhile).
   */
  handshaken(tls: TLSSocket, role: 'client' | 'tunnel'): (() => void) | undefined {
    const key = connectionKey(tls.remoteAddress, tls.remotePort);
    const pending = this.#pending.get(key);
    if (pending?.phase !== 'handshake') return undefined;
    clearTimeout(pending.timer);
    if (role === 'tunnel') {
      this.#release(pending);
      return () => {};
    }
    pending.phase = 'login';
    pending.timer = this.#deadline(pending.raw, 'login');
    return () => this.#release(pending);
  }

  /** Closes every connection that has not logged in, and stops (summing up the last cut ones). */
  close(): void {
    clearInterval(this.#summary);
    this.#summarise();
    for (const pending of [...this.#pending.values()]) {
      pending.raw.destroy();
      this.#release(pending);
    }
  }

  #deadline(raw: Socket, phase: Phase): NodeJS.Timeout {
    const ms = phase === 'handshake' ? this.#limits.handshakeTimeoutMs : this.#limits.loginTimeoutMs;
    const timer = setTimeout(() => {
      this.#cut[phase]++;
      this.#log.debug({ ip: raw.remoteAddress, phase, ms }, 'closing a connection that took too long');
      raw.destroy();
    }, ms);
    timer.unref();
    return timer;
  }

  /** Forgets a pending connection (once: the same one may be released by its close and by its login). */
  #release(pending: Pending): void {
    if (this.#pending.get(pending.key) !== pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(pending.key);
    const held = (this.#perGroup.get(pending.group) ?? 1) - 1;
    if (held > 0) this.#perGroup.set(pending.group, held);
    else this.#perGroup.delete(pending.group);
  }

  #summarise(): void {
    this.#warned.clear();
    const { refused, evicted, handshake, login } = this.#cut;
    if (refused + evicted + handshake + login === 0) return;
    this.#log.info(
      {
        refusedOverAddressLimit: refused,
        evictedOverTotalLimit: evicted,
        handshakeTimeouts: handshake,
        loginTimeouts: login,
        pending: this.#pending.size,
      },
      'connections cut before logging in (since the last such line)',
    );
    Object.assign(this.#cut, { refused: 0, evicted: 0, handshake: 0, login: 0 });
  }
}

function connectionKey(address: string | undefined, port: number | undefined): string {
  return `${address}|${port}`;
}
