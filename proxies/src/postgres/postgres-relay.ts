/**
 * The relay of a logged-in PostgreSQL session. Client messages are taken one at a time, in order (a decision
 * may wait for the policy cache), and the client is paused meanwhile, so a fast client cannot queue without
 * bound; server bytes go to the client as they come, the server paused while the client is slow. A client
 * that breaks the protocol gets a FATAL 08P01 and only its session ends.
 */
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { QueryLog } from '../recording/query-log.js';
import type { AdmittedClient } from '../session/client-admission.js';
import type { SessionReport } from '../session/session-report.js';
import { StatementGate } from '../session/statement-gate.js';
import { BackendScanner } from './backend-scanner.js';
import { cancelRequests } from './cancel-requests.js';
import { classify } from './classify.js';
import { ClientMessages } from './client-messages.js';
import type { FrontendReader } from './frontend-reader.js';
import { fatal, message } from './messages.js';
import { ResponseSlots } from './response-slots.js';
import type { UpstreamSession } from './upstream-login.js';

const GOODBYE_MS = 300;
/** Client messages gathered into one write to the upstream, at most. */
const MAX_BATCH_BYTES = 256 * 1024;
/** A client that stops in the middle of a message for this long is cut off. */
const STALLED_MESSAGE_MS = 30_000;
/** Startup parameters that are the proxy's to set, never the client's. */
const PROXY_PARAMETERS = new Set(['user', 'database', 'replication']);

export interface PostgresRelayOptions {
  tls: TLSSocket;
  upstream: UpstreamSession;
  reader: FrontendReader;
  admitted: AdmittedClient;
  database: string;
  queryLog: QueryLog | undefined;
  report: SessionReport;
  log: Logger;
  /** How long a client may stop in the middle of a message before it is cut off (default 30 s). */
  stalledMessageMs?: number | undefined;
  /** Cancels the statement running upstream (a CancelRequest on a connection of its own). */
  cancel: (processId: number, secretKey: number) => Promise<void>;
}

export class PostgresRelay {
  readonly #options: PostgresRelayOptions;
  readonly #client: TLSSocket;
  readonly #server: Duplex;
  readonly #slots = new ResponseSlots();
  readonly #scanner = new BackendScanner(this.#slots);
  readonly #messages: ClientMessages;
  #backendKey: { processId: number; secretKey: number } | undefined;
  #forgetCancel: () => void = () => {};
  #endReason: string | undefined;
  #closed!: () => void;
  readonly #done = new Promise<void>((resolve) => {
    this.#closed = resolve;
  });
  #ending = false;
  /** The client said Terminate, and it went on to the server. */
  #terminated = false;
  #queue: Promise<void> = Promise.resolve();
  #stallTimer: NodeJS.Timeout | undefined;

  /** The client's parameters that go to the upstream, with the decided database. */
  static upstreamParameters(parameters: Map<string, string>, database: string): Map<string, string> {
    const relayed = new Map([...parameters].filter(([key]) => !PROXY_PARAMETERS.has(key)));
    relayed.set('database', database);
    return relayed;
  }

  /** Whether some query type is refused on the database, and whether only reading is allowed. */
  static async restriction(admitted: AdmittedClient, database: string) {
    const types = await new StatementGate(admitted, database, classify).allowedTypes();
    return { any: types.size < 4, readOnly: types.has('read_only') && !types.has('read_write') };
  }

  constructor(options: PostgresRelayOptions) {
    this.#options = options;
    this.#client = options.tls;
    this.#server = options.upstream.socket;
    this.#messages = new ClientMessages({
      gate: new StatementGate(options.admitted, options.database, classify),
      slots: this.#slots,
      log: options.queryLog,
      database: options.database,
      onRefusal: (statement, verdict) =>
        options.report.event('db.denied', {
          database: options.database,
          statement: statement.slice(0, 1000),
          ...(verdict.type && { query_type: verdict.type }),
          reason: verdict.reason,
        }),
    });
    this.#slots.onBackendKey = (processId, secretKey) => {
      this.#backendKey = { processId, secretKey };
      this.#forgetCancel();
      this.#forgetCancel = cancelRequests.add(processId, secretKey, {
        owner: options.admitted.identity.label,
        cancel: () => options.cancel(processId, secretKey),
      });
    };
  }

  /** Relays until the session ends; resolves with why, when the proxy ended it. */
  async run(): Promise<{ reason?: string | undefined }> {
    const { report } = this.#options;
    this.#server.on('data', (chunk: Buffer) => {
      report.bytesOut += chunk.length;
      this.#toClient(chunk);
    });
    this.#client.on('data', (chunk: Buffer) => {
      report.bytesIn += chunk.length;
      this.#queue = this.#queue.then(() => this.#fromClient(chunk));
    });
    for (const side of [this.#client, this.#server]) {
      side.once('close', () => this.end());
      side.once('end', () => this.end());
      side.on('error', () => this.end());
    }
    if (this.#options.upstream.rest.length > 0) this.#toClient(this.#options.upstream.rest);
    // What the client sent with its startup message, already read.
    this.#queue = this.#queue.then(() => this.#fromClient(Buffer.alloc(0)));
    this.#server.resume();
    this.#client.resume();
    await this.#done;
    return { reason: this.#endReason };
  }

  /** Ends the session; with a reason, the client is told why and a running statement is cancelled. */
  end(reason?: string): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#endReason = reason;
    clearTimeout(this.#stallTimer);
    this.#forgetCancel();
    if (reason !== undefined) {
      this.#options.log.info({ reason }, 'ending session');
      if (this.#slots.pending && this.#backendKey) {
        const { processId, secretKey } = this.#backendKey;
        void this.#options.cancel(processId, secretKey).catch(() => {});
      }
      // Only between messages: inside a row, an error would corrupt the stream.
      if (this.#scanner.betweenMessages && !this.#client.destroyed) {
        this.#client.write(fatal('57P01', `border0: session ended: ${reason}`));
      }
    }
    if (!this.#server.destroyed && !this.#terminated) this.#server.write(message('X'));
    this.#server.end();
    this.#client.end();
    setTimeout(() => {
      this.#client.destroy();
      this.#server.destroy();
      this.#closed();
    }, GOODBYE_MS).unref();
  }

  #toClient(chunk: Buffer) {
    let parts: Buffer[];
    try {
      parts = this.#scanner.scan(chunk);
    } catch (error) {
      this.#options.log.warn({ err: error }, 'the upstream broke the protocol');
      this.end('the upstream broke the protocol');
      return;
    }
    if (this.#client.destroyed) return;
    this.#client.cork();
    let flowing = true;
    for (const part of parts) flowing = this.#client.write(part);
    this.#client.uncork();
    if (!flowing && !this.#ending) {
      this.#server.pause();
      this.#client.once('drain', () => this.#server.resume());
    }
  }

  async #fromClient(chunk: Buffer): Promise<void> {
    if (this.#ending) return;
    this.#client.pause();
    // What a chunk holds goes on in one write: each write is a packet of the tunnel, encrypted on its own.
    let batch: Buffer[] = [];
    let batched = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const out = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batched);
      batch = [];
      batched = 0;
      if (!this.#server.write(out)) await once(this.#server, 'drain');
    };
    try {
      for (const msg of this.#options.reader.push(chunk)) {
        const out = await this.#messages.forward(msg);
        if (this.#ending) return;
        batch.push(out);
        batched += out.length;
        if (batched >= MAX_BATCH_BYTES) await flush();
        if (msg.type === 'X') {
          await flush();
          this.#terminated = true;
          return this.end();
        }
      }
      await flush();
    } catch (error) {
      this.#options.log.debug({ err: error }, 'client broke the protocol');
      if (!this.#client.destroyed) this.#client.write(fatal('08P01', `border0: ${(error as Error).message}`));
      return this.end();
    }
    clearTimeout(this.#stallTimer);
    if (this.#options.reader.partial) {
      this.#stallTimer = setTimeout(
        () => this.end('the client stalled in the middle of a message'),
        this.#options.stalledMessageMs ?? STALLED_MESSAGE_MS,
      );
      this.#stallTimer.unref();
    }
    if (!this.#ending) this.#client.resume();
  }
}
