/**
 * The connector's tunnels to every registered proxy: one TunnelClient per proxy, following a proxy list that
 * can change while running (proxies register and leave), so each proxy can reach every socket.
 */
import { type ProxyEndpoint, proxyKey } from './proxy-endpoint.js';
import { TunnelClient, type TunnelClientOptions, type TunnelStatus } from './tunnel-client.js';

export interface TunnelPoolOptions extends Omit<TunnelClientOptions, 'proxy'> {
  proxies?: ProxyEndpoint[];
}

/**
 * @example
 * const pool = new TunnelPool({ token, ca, sockets, resolveUpstream, proxies: await listProxies() });
 * pool.setProxies(await listProxies()); // whenever the list changes
 * await pool.close();
 */
export class TunnelPool {
  readonly #options: TunnelPoolOptions;
  readonly #clients = new Map<string, { endpoint: ProxyEndpoint; client: TunnelClient }>();
  readonly #closing = new Set<Promise<void>>();
  #sockets: string[];
  #closed = false;

  constructor(options: TunnelPoolOptions) {
    this.#options = options;
    this.#sockets = [...options.sockets];
    this.setProxies(options.proxies ?? []);
  }

  /** Follows a new proxy list: opens tunnels to new proxies, closes those to proxies no longer listed. */
  setProxies(proxies: readonly ProxyEndpoint[]): void {
    if (this.#closed) return;
    const wanted = new Map(proxies.map((p) => [proxyKey(p), p]));
    for (const [key, { endpoint, client }] of this.#clients) {
      const next = wanted.get(key);
      // A proxy that moved (new address or certificate name) gets a fresh tunnel.
      if (!next || !sameEndpoint(next, endpoint)) {
        this.#clients.delete(key);
        this.#track(client.close());
      }
    }
    for (const [key, endpoint] of wanted) {
      if (this.#clients.has(key)) continue;
      const client = new TunnelClient({ ...this.#options, proxy: endpoint, sockets: this.#sockets });
      this.#clients.set(key, { endpoint, client });
      client.start();
    }
  }

  /** Changes the sockets served, on every tunnel. */
  setSockets(dnsnames: Iterable<string>): void {
    this.#sockets = [...dnsnames];
    for (const { client } of this.#clients.values()) client.setSockets(this.#sockets);
  }

  /** One status per proxy. */
  status(): TunnelStatus[] {
    return [...this.#clients.values()].map(({ client }) => client.status);
  }

  /** How many proxies currently hold a live tunnel. */
  connectedCount(): number {
    return this.status().filter((s) => s.state === 'connected').length;
  }

  /** Closes every tunnel; resolves once all are closed. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const { client } of this.#clients.values()) this.#track(client.close());
    this.#clients.clear();
    await Promise.all(this.#closing);
  }

  #track(closing: Promise<void>): void {
    this.#closing.add(closing);
    void closing.finally(() => this.#closing.delete(closing));
  }
}

function sameEndpoint(a: ProxyEndpoint, b: ProxyEndpoint): boolean {
  return a.host === b.host && a.port === b.port && a.servername === b.servername;
}
