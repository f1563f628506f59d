/**
 * Events across every server instance over one PostgreSQL: a change notifies inside its transaction
 * (`pg_notify`, delivered only on commit), and each instance LISTENs on a dedicated connection, outside the
 * pool, and hands what arrives to its subscribers, its own changes included.
 */
import { sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import { LocalEventBus, type PlatformEvent } from './event-bus.js';

const CHANNEL = 'border0_events';
/** How the listening connection shows in `pg_stat_activity`. */
export const LISTENER_NAME = 'border0-events';
const MAX_RECONNECT_DELAY_MS = 5_000;

export class PostgresEventBus extends LocalEventBus {
  private client: pg.Client | undefined;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {
    super();
  }

  /** Resolves once this instance is listening: from then on no committed event is missed. */
  static async open(databaseUrl: string, logger: Logger): Promise<PostgresEventBus> {
    const bus = new PostgresEventBus(databaseUrl, logger);
    await bus.listen();
    return bus;
  }

  override async stage(trx: Transaction<Database>, events: PlatformEvent[]): Promise<void> {
    if (events.length === 0) return;
    const payloads = events.map((event) => JSON.stringify(event));
    await sql`select pg_notify(${CHANNEL}, payload) from unnest(${payloads}::text[]) as payload`.execute(trx);
  }

  /** Delivery happens when the notification comes back through LISTEN. */
  override committed(): void {}

  override async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await super.close();
    await client?.end().catch(() => {});
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: LISTENER_NAME });
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      try {
        this.emit(JSON.parse(message.payload) as PlatformEvent);
      } catch (error) {
        this.logger.warn({ err: error }, 'ignored a malformed event notification');
      }
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      client.end().catch(() => {});
      throw error;
    }
    this.client = client;
  }

  /** Events may have passed unheard: subscribers reset now, and again once listening resumes. */
  private lost(client: pg.Client, error: Error, attempt = 0): void {
    if (this.closed || (attempt === 0 && this.client !== client)) return;
    this.client = undefined;
    if (attempt === 0) {
      this.logger.warn({ err: error }, 'event listener lost its connection; reconnecting');
      this.emit({ type: 'reset' });
      client.end().catch(() => {});
    }
    const delay = Math.min(MAX_RECONNECT_DELAY_MS, 250 * 2 ** attempt);
    this.reconnectTimer = setTimeout(() => {
      this.listen().then(
        () => {
          if (this.closed) return void this.client?.end().catch(() => {});
          this.logger.info('event listener reconnected');
          this.emit({ type: 'reset' });
        },
        (retryError: Error) => this.lost(client, retryError, attempt + 1),
      );
    }, delay);
  }
}
