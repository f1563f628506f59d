/**
 * A terminal in the browser on an ssh socket: a WebSocket at `/.border0/terminal` on the socket's host. The
 * browser's first message carries a ticket from the control plane (`POST /me/sockets/{socket}/terminal`), which
 * this proxy redeems once; then the terminal is an SSH client inside the proxy that logs in to the socket's own
 * SSH server (carrySshSession) over an in-memory pipe. So it is admitted, decided channel by channel, reported,
 * recorded and terminated exactly as any SSH client is, from the browser's address.
 *
 * Messages: from the browser, binary frames are keystrokes and text frames are JSON (`{ticket, user, cols,
 * rows}` first, then `{type: 'resize', cols, rows}`); to the browser, binary frames are terminal output. The
 * WebSocket closes when the session ends, with the reason.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { duplexPair, type PipeEnd } from '@border0/protocol';
import { Border0Error } from '@border0/sdk';
import type { Logger } from 'pino';
import ssh2 from 'ssh2';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { SocketLookup } from '../control-plane/socket-directory.js';
import { admitClient, type ConnectionContext } from '../session/client-admission.js';
import { carrySshSession } from './ssh-socket.js';

export const WEB_TERMINAL_PATH = '/.border0/terminal';

/** How long the browser has to send its ticket, and the largest message it may send. */
const HELLO_TIMEOUT_MS = 10_000;
const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_SIZE = 1000;
/** Input kept while the terminal opens; unsent output at which the shell's channel is paused, and resumed. */
const MAX_EARLY_BYTES = 256 * 1024;
const HIGH_WATER_BYTES = 1024 * 1024;
const LOW_WATER_BYTES = 256 * 1024;

interface Hello {
  ticket: string;
  user: string;
  cols: number;
  rows: number;
}

interface Holder {
  organization_id: string;
  socket_id: string;
  user_email?: string;
  service_account?: string;
  ticket_id: string;
  expires_at: string;
  client_ip: string | null;
}

/**
 * What the browser sends while its ticket is redeemed and the shell opens (keys typed at once, a resize): kept
 * in order, up to a bound, and handed to the shell when it is there.
 */
class EarlyInput {
  readonly #held: [RawData, boolean][] = [];
  #bytes = 0;
  #deliver: ((data: RawData, binary: boolean) => void) | undefined;

  constructor(ws: WebSocket) {
    ws.on('message', (data, binary) => {
      if (this.#deliver) return this.#deliver(data, binary);
      this.#bytes += Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
      if (this.#bytes > MAX_EARLY_BYTES) return ws.close(1009, 'too much input before the terminal opened');
      this.#held.push([data, binary]);
    });
  }

  deliverTo(deliver: (data: RawData, binary: boolean) => void): void {
    for (const [data, binary] of this.#held.splice(0)) deliver(data, binary);
    this.#deliver = deliver;
  }
}

const size = (value: unknown, fallback: number) =>
  Number.isInteger(value) && (value as number) > 0 && (value as number) <= MAX_SIZE
    ? (value as number)
    : fallback;

function parseHello(data: unknown): Hello | undefined {
  try {
    const value = JSON.parse(String(data)) as Record<string, unknown>;
    if (typeof value.ticket !== 'string' || value.ticket.length > 4096) return undefined;
    const user =
      typeof value.user === 'string' && /^[a-z_][a-z0-9_.-]{0,31}$/i.test(value.user) ? value.user : '';
    return { ticket: value.ticket, user, cols: size(value.cols, 80), rows: size(value.rows, 24) };
  } catch {
    return undefined;
  }
}

export class WebTerminals {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  /** Tickets taken, until they expire: each opens one terminal. */
  readonly #taken = new Map<string, number>();

  constructor(
    private readonly ctx: ConnectionContext,
    private readonly proxyName: string,
    private readonly log: Logger,
  ) {}

  /** Takes over an upgrade request for the terminal of `lookup`'s ssh socket. */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer, lookup: SocketLookup): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      const ip = request.socket.remoteAddress ?? null;
      const port = request.socket.remotePort ?? null;
      const timer = setTimeout(() => ws.close(4401, 'no ticket came'), HELLO_TIMEOUT_MS);
      ws.once('message', (data, binary) => {
        clearTimeout(timer);
        const hello = binary ? undefined : parseHello(data);
        if (!hello) return ws.close(4400, 'the first message must be {"ticket": …}');
        const early = new EarlyInput(ws);
        this.#open(ws, hello, lookup, { ip, port }, early).catch((error: unknown) => {
          this.log.warn({ err: error }, 'web terminal failed');
          ws.close(1011, 'the terminal could not be opened');
        });
      });
    });
  }

  async #redeem(host: string, ticket: string): Promise<Holder | undefined> {
    try {
      const holder = (await this.ctx.client.post(
        '/api/v1/proxy/web-terminals' as never,
        { body: { host, proxy: this.proxyName, ticket } } as never,
      )) as Holder;
      const now = Date.now();
      for (const [id, until] of this.#taken) if (until <= now) this.#taken.delete(id);
      if (this.#taken.has(holder.ticket_id)) return undefined;
      this.#taken.set(holder.ticket_id, Date.parse(holder.expires_at));
      return holder;
    } catch (error) {
      if (error instanceof Border0Error && error.status >= 400 && error.status < 500) return undefined;
      throw error;
    }
  }

  async #open(
    ws: WebSocket,
    hello: Hello,
    lookup: SocketLookup,
    origin: { ip: string | null; port: number | null },
    early: EarlyInput,
  ): Promise<void> {
    const holder = await this.#redeem(lookup.socket.dnsname.toLowerCase(), hello.ticket);
    if (!holder || holder.socket_id !== lookup.socket.id) {
      return ws.close(4401, 'the ticket is not valid here (used, expired, or for another socket)');
    }
    const identity = {
      ...(holder.user_email !== undefined && { email: holder.user_email }),
      ...(holder.service_account !== undefined && { service_account: holder.service_account }),
      organization: lookup.organization.name,
      label: holder.user_email ?? `service-account:${holder.service_account}`,
    };
    const [proxySide, browserSide] = duplexPair();
    const admitted = await admitClient(
      this.ctx,
      proxySide as unknown as TLSSocket,
      lookup,
      { type: 'ssh', kind: 'connect' },
      () => {},
      // The browser's address, which the ticket carries: the WebSocket may come through the API's relay.
      { identity, ip: holder.client_ip ?? origin.ip, port: holder.client_ip ? null : origin.port },
    );
    if (!admitted) return ws.close(4403, 'access denied by policy');
    void carrySshSession(this.ctx, admitted);
    this.#bridge(ws, browserSide, hello, early);
  }

  /** The SSH client side: a shell with a terminal of the browser's size, carried over the WebSocket. */
  #bridge(ws: WebSocket, pipe: PipeEnd, hello: Hello, early: EarlyInput): void {
    const client = new ssh2.Client();
    let closeReason = 'the session ended';
    const finish = () => {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING)
        ws.close(1000, closeReason.slice(0, 120));
    };
    client.on('error', (error) => {
      this.log.warn({ err: error }, "the web terminal's SSH client failed");
      closeReason = error.message;
      finish();
    });
    client.on('close', finish);
    ws.on('close', () => client.end());
    client.on('ready', () => {
      client.shell({ term: 'xterm-256color', cols: hello.cols, rows: hello.rows }, (error, stream) => {
        if (error) {
          closeReason = error.message;
          client.end();
          return;
        }
        // Output as fast as the browser takes it: the shell's channel waits while much is unsent.
        const send = (chunk: Buffer) => {
          ws.send(chunk, () => {
            if (stream.isPaused() && ws.bufferedAmount < LOW_WATER_BYTES) stream.resume();
          });
          if (ws.bufferedAmount > HIGH_WATER_BYTES) stream.pause();
        };
        stream.on('data', send);
        stream.stderr.on('data', send);
        stream.on('close', () => client.end());
        early.deliverTo((data, binary) => {
          if (binary) {
            stream.write(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer));
            return;
          }
          try {
            const message = JSON.parse(String(data)) as Record<string, unknown>;
            if (message.type === 'resize') {
              stream.setWindow(size(message.rows, 24), size(message.cols, 80), 0, 0);
            }
          } catch {
            // Not JSON: nothing to do with it.
          }
        });
      });
    });
    client.connect({
      sock: pipe,
      username: hello.user || 'border0',
      // The proxy's own SSH server, in this process: its key is the one it just presented.
      hostVerifier: () => true,
      // Any method is accepted (the ticket identified the person): the first one ssh2 tries.
      password: '',
      readyTimeout: 20_000,
      keepaliveInterval: 0,
    });
  }
}
