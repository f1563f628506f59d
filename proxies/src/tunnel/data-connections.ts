/**
 * Data connections offered by connectors (ALPN `border0-data`, see @border0/protocol), by the connector
 * token they were opened with (its SHA-256): idle ones wait to be taken for a client connection, taken ones
 * are tracked so that all of them end when the connector's last tunnel does (a revoked token cuts them all).
 */
import type { Duplex } from 'node:stream';

/** Idle connections kept per connector token; more are closed at once (a connector keeps a handful). */
const MAX_IDLE = 64;

interface Waiter {
  resolve: (connection: Duplex | undefined) => void;
  timer: NodeJS.Timeout;
}

export class DataConnections {
  readonly #idle = new Map<string, Set<Duplex>>();
  readonly #taken = new Map<string, Set<Duplex>>();
  readonly #waiters = new Map<string, Waiter[]>();
  /** Tokens whose connector has offered data connections: only those are waited for. */
  readonly #offering = new Set<string>();

  /** A connection whose hello named the token hashed to `key`: idle until taken, gone when it closes. */
  offer(key: string, connection: Duplex): void {
    this.#offering.add(key);
    const waiter = this.#waiters.get(key)?.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      this.#track(this.#taken, key, connection);
      waiter.resolve(connection);
      return;
    }
    const idle = this.#idle.get(key);
    if (idle && idle.size >= MAX_IDLE) {
      connection.destroy();
      return;
    }
    this.#track(this.#idle, key, connection);
  }

  /**
   * An idle connection of the connector whose token hashes to `key`, waiting up to `waitMs` for one when a
   * burst took them all; undefined when the connector offers none (an older one) or none came in time.
   */
  take(key: string, waitMs: number): Promise<Duplex | undefined> {
    const idle = this.#idle.get(key);
    for (const connection of idle ?? []) {
      idle!.delete(connection);
      if (connection.destroyed) continue;
      this.#track(this.#taken, key, connection);
      return Promise.resolve(connection);
    }
    if (!this.#offering.has(key)) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(key) ?? [];
      this.#waiters.set(key, waiters);
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          resolve(undefined);
        }, waitMs),
      };
      waiters.push(waiter);
    });
  }

  /** The connector's last tunnel ended: every connection of its token ends too, idle or carrying a client. */
  drop(key: string): void {
    for (const map of [this.#idle, this.#taken]) {
      for (const connection of map.get(key) ?? []) connection.destroy();
      map.delete(key);
    }
    for (const waiter of this.#waiters.get(key) ?? []) {
      clearTimeout(waiter.timer);
      waiter.resolve(undefined);
    }
    this.#waiters.delete(key);
    this.#offering.delete(key);
  }

  /** Idle connections of a token (for tests and status). */
  idle(key: string): number {
    return this.#idle.get(key)?.size ?? 0;
  }

  #track(map: Map<string, Set<Duplex>>, key: string, connection: Duplex): void {
    let set = map.get(key);
    if (!set) {
      set = new Set();
      map.set(key, set);
    }
    set.add(connection);
    connection.once('close', () => {
      set.delete(connection);
      if (set.size === 0 && map.get(key) === set) map.delete(key);
    });
  }
}
