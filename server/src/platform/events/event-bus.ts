/**
 * Change events for the data plane: what changed (an organization's policy data, a socket, a session to
 * terminate, an organization's CAs), never the data itself, which proxies fetch again. Changes stage their
 * events inside their transaction; subscribers hear them only once it has committed.
 */
import { EventEmitter } from 'node:events';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

export type PlatformEvent =
  | { type: 'policy-data'; organization_id: string }
  | { type: 'session-terminate'; session_id: string; organization_id: string }
  | { type: 'socket'; dnsname: string }
  | { type: 'trust'; organization_id: string }
  /** A connector's token was revoked (`token_id`) or the connector deleted (null): cut its tunnels. */
  | { type: 'connector-revoke'; organization_id: string; connector_id: string; token_id: string | null }
  /** A proxy appeared or moved: connectors fetch the live proxies again. */
  | { type: 'proxies' };

/**
 * What subscribers hear: events, and `reset` when events may have been lost or the bus is closing; a
 * subscriber then ends its stream, so that its client reconnects and fetches everything again.
 */
export type BusMessage = PlatformEvent | { type: 'reset' };

export interface EventBus {
  /** Inside the transaction of the change. */
  stage(trx: Transaction<Database>, events: PlatformEvent[]): Promise<void>;
  /** After that transaction committed. */
  committed(events: PlatformEvent[]): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: (message: BusMessage) => void): () => void;
  close(): Promise<void>;
}

/** Delivers to this process's subscribers: enough when a single server owns the store (embedded PGlite). */
export class LocalEventBus implements EventBus {
  protected readonly emitter = new EventEmitter().setMaxListeners(0);

  async stage(_trx: Transaction<Database>, _events: PlatformEvent[]): Promise<void> {}

  committed(events: PlatformEvent[]): void {
    for (const event of events) this.emit(event);
  }

  subscribe(listener: (message: BusMessage) => void): () => void {
    this.emitter.on('message', listener);
    return () => this.emitter.off('message', listener);
  }

  async close(): Promise<void> {
    this.emit({ type: 'reset' });
  }

  protected emit(message: BusMessage): void {
    this.emitter.emit('message', message);
  }
}

/** One event per distinct content, in first-seen order. */
export function distinctEvents(events: Iterable<PlatformEvent>): PlatformEvent[] {
  return [...new Map([...events].map((event) => [JSON.stringify(event), event])).values()];
}
