/**
 * The relay of a logged-in MySQL session. Client commands are taken one at a time, in order (a decision may
 * wait for the policy cache), and the client is paused meanwhile; server bytes go to the client as they come
 * (the tracker only reads packet headers), the server paused while the client is slow. A client that breaks
 * the protocol is cut off, and only its session ends.
 */
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { SessionReport } from '../session/session-report.js';
import type { ClientCommands } from './commands.js';
import { errPacket, PacketReader, packet } from './packets.js';
import type { ResponseTracker } from './response-tracker.js';

const GOODBYE_MS = 300;
/** How long an ending session waits for the killed statement's answer before it closes. */
const KILL_WAIT_MS = 2000;
/** A client that stops in the middle of a packet for this long is cut off. */
const STALLED_PACKET_MS = 30_000;
const COM_QUIT = Buffer.from([0x01]);

export interface MysqlRelayOptions {
  client: TLSSocket;
  server: Duplex;
  /** What each side sent past the login, already read. */
  clientRest: Buffer;
  serverRest: Buffer;
  commands: ClientCommands;
  tracker: ResponseTracker;
  report: SessionReport;
  log: Logger;
  /** Stops the statement running upstream (`KILL QUERY` from a connection of its own). */
  kill: () => Promise<void>;
}

export class MysqlRelay {
  readonly #o: MysqlRelayOptions;
  readonly #reader = new PacketReader();
  #queue: Promise<void> = Promise.resolve();
  #ending = false;
  #quit = false;
  #endReason: string | undefined;
  #stallTimer: NodeJS.Timeout | undefined;
  #closed!: () => void;
  readonly #done = new Promise<void>((resolve) => {
    this.#closed = resolve;
  });

  constructor(options: MysqlRelayOptions) {
    this.#o = options;
  }

  /** Relays until the session ends; resolves with why, when the proxy ended it. */
  async run(): Promise<{ reason?: string | undefined }> {
    const { client, server, report } = this.#o;
    server.on('data', (chunk: Buffer) => {
      report.bytesOut += chunk.length;
      this.#toClient(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      report.bytesIn += chunk.length;
      this.#queue = this.#queue.then(() => this.#fromClient(chunk));
    });
    for (const side of [client, server]) {
      side.once('close', () => this.end());
      side.once('end', () => this.end());
      side.on('error', () => this.end());
    }
    if (this.#o.serverRest.length > 0) this.#toClient(this.#o.serverRest);
    this.#queue = this.#queue.then(() => this.#fromClient(this.#o.clientRest));
    server.resume();
    client.resume();
    await this.#done;
    return { reason: this.#endReason };
  }

  /** Ends the session; with a reason, a running statement is killed and the client told why. */
  end(reason?: string): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#endReason = reason;
    clearTimeout(this.#stallTimer);
    const { client, server, tracker, log } = this.#o;
    void (async () => {
      if (reason !== undefined) {
        log.info({ reason }, 'ending session');
        if (tracker.pending) {
          void this.#o.kill().catch((error: unknown) => log.warn({ err: error }, 'KILL QUERY failed'));
          const waited = Date.now();
          while (tracker.pending && !server.destroyed && Date.now() - waited < KILL_WAIT_MS)
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
        // Only between packets: inside a row, an error would corrupt the stream.
        if (tracker.betweenPackets && !client.destroyed)
          client.write(
            errPacket(tracker.pending ? 2 : 1, 1927, '70100', `border0: session ended: ${reason}`),
          );
      }
      if (!server.destroyed && !this.#quit) server.write(packet(0, COM_QUIT));
      server.end();
      client.end();
      setTimeout(() => {
        client.destroy();
        server.destroy();
        this.#closed();
      }, GOODBYE_MS).unref();
    })();
  }

  #toClient(chunk: Buffer) {
    let parts: Buffer[];
    try {
      parts = this.#o.tracker.scan(chunk);
    } catch (error) {
      this.#o.log.warn({ err: error }, 'the upstream broke the protocol');
      this.end('the upstream broke the protocol');
      return;
    }
    this.#write(parts);
  }

  #write(parts: Buffer[]) {
    const { client, server } = this.#o;
    if (client.destroyed) return;
    client.cork();
    let flowing = true;
    for (const part of parts) flowing = client.write(part);
    client.uncork();
    if (!flowing && !this.#ending) {
      server.pause();
      client.once('drain', () => server.resume());
    }
  }

  async #fromClient(chunk: Buffer): Promise<void> {
    const { client, server, commands, log } = this.#o;
    if (this.#ending) return;
    client.pause();
    try {
      for (const received of this.#reader.push(chunk)) {
        const outcome = await commands.handle(received);
        if (this.#ending) return;
        if (outcome.reply) this.#write([outcome.reply]);
        if (outcome.forward && !server.write(outcome.forward)) await once(server, 'drain');
        if (outcome.quit) {
          this.#quit = true;
          return this.end();
        }
      }
    } catch (error) {
      log.debug({ err: error }, 'client broke the protocol');
      if (!client.destroyed)
        client.write(errPacket(1, 1047, '08S01', `border0: ${(error as Error).message}`));
      return this.end();
    }
    clearTimeout(this.#stallTimer);
    if (this.#reader.partial) {
      this.#stallTimer = setTimeout(
        () => this.end('the client stalled in the middle of a packet'),
        STALLED_PACKET_MS,
      );
      this.#stallTimer.unref();
    }
    if (!this.#ending) client.resume();
  }
}
