/**
 * The connector's data connections to one proxy (ALPN `border0-data`, see @border0/protocol): a few kept
 * open and idle while the tunnel is up, each carrying one client connection once the proxy names it, so
 * that client bytes cross in TLS alone instead of SSH inside TLS. Another opens as soon as one is taken.
 */
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { DATA_ALPN, DATA_LINE_LIMIT, FramedStream, readJsonLine, writeJsonLine } from '@border0/protocol';
import type { ProxyEndpoint } from './proxy-endpoint.js';

/** Serves a request of the proxy on `stream`: accept() says yes and hands the stream over, refuse() says no. */
export type ServeDataRequest = (
  dnsname: string,
  origin: string,
  accept: () => Duplex,
  refuse: (reason: string) => void,
) => void;

export interface DataConnectionsOptions {
  proxy: ProxyEndpoint;
  ca: string | Buffer | Array<string | Buffer>;
  token: string;
  /** Idle connections kept open (default 4). */
  idle?: number;
  serve: ServeDataRequest;
  onError?: (error: Error) => void;
}

export class DataConnections {
  readonly #options: DataConnectionsOptions;
  readonly #idle = new Set<tls.TLSSocket>();
  #opening = 0;
  #running = false;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: DataConnectionsOptions) {
    this.#options = options;
  }

  /** Keeps the idle ones open from now on. */
  start(): void {
    this.#running = true;
    this.#fill();
  }

  /** Closes the idle ones and opens no more; connections carrying a client go on until they end. */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#retry);
    for (const socket of this.#idle) socket.destroy();
    this.#idle.clear();
  }

  get idle(): number {
    return this.#idle.size;
  }

  #fill(): void {
    const wanted = this.#options.idle ?? 4;
    while (this.#running && this.#idle.size + this.#opening < wanted) this.#open();
  }

  #open(): void {
    const { proxy, ca, token } = this.#options;
    this.#opening += 1;
    const socket = tls.connect({
      host: proxy.host,
      port: proxy.port,
      servername: proxy.servername ?? (isIP(proxy.host) ? undefined : proxy.host),
      ca,
      ALPNProtocols: [DATA_ALPN],
    });
    let state: 'opening' | 'idle' | 'used' = 'opening';
    const settle = () => {
      if (state === 'opening') this.#opening -= 1;
    };
    socket.on('error', (error) => {
      this.#options.onError?.(error);
      socket.destroy();
    });
    socket.once('close', () => {
      settle();
      this.#idle.delete(socket);
      // Closed before it carried anything: the proxy refused it, restarted, or cannot be reached.
      if (state !== 'used') this.#failed();
    });
    socket.once('secureConnect', () => {
      settle();
      state = 'idle';
      if (!this.#running || socket.alpnProtocol !== DATA_ALPN) {
        socket.destroy();
        return;
      }
      // Small protocol messages go out at once.
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      writeJsonLine(socket, { token });
      this.#idle.add(socket);
      void this.#await(socket, () => {
        state = 'used';
      });
    });
  }

  async #await(socket: tls.TLSSocket, used: () => void): Promise<void> {
    let request: Record<string, unknown>;
    try {
      request = await readJsonLine(socket, DATA_LINE_LIMIT, Number.POSITIVE_INFINITY);
    } catch {
      socket.destroy();
      return;
    }
    used();
    this.#idle.delete(socket);
    this.#failures = 0;
    this.#fill();
    const origin = request.origin as { address?: unknown } | undefined;
    if (typeof request.dnsname !== 'string' || typeof origin?.address !== 'string') {
      socket.destroy();
      return;
    }
    this.#options.serve(
      request.dnsname,
      origin.address,
      () => {
        writeJsonLine(socket, { ok: true });
        return new FramedStream(socket);
      },
      (reason) => {
        writeJsonLine(socket, { error: reason });
        socket.end();
      },
    );
  }

  /** An idle connection closed before use (the proxy refused or restarted): reopen, slower each time. */
  #failed(): void {
    if (!this.#running) return;
    this.#failures += 1;
    clearTimeout(this.#retry);
    const delay = Math.min(10_000, 100 * 2 ** Math.min(this.#failures, 7));
    this.#retry = setTimeout(() => this.#fill(), delay);
  }
}
