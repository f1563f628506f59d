/**
 * A running connector: fetches its configuration through the SDK (its sockets, the live proxies, the CA that
 * signs their certificates), holds a tunnel to every proxy, dials upstreams for the channels the proxies
 * open, reports a heartbeat, and follows changes of its sockets and of the proxy list.
 */
import { type Border0Client, createClient, EventStream, type Schema } from '@border0/sdk';
import { type Logger, pino } from 'pino';
import { type ConfiguredPlugin, DiscoveryRunner } from './discovery/index.js';
import type { ProxyEndpoint } from './tunnel/proxy-endpoint.js';
import { TunnelPool } from './tunnel/tunnel-pool.js';

export const CONNECTOR_VERSION = '0.1.0';

export interface ConnectorOptions {
  apiUrl: string;
  /** A connector token (`border0 connector token create`). */
  token: string;
  /** How often the configuration is fetched again besides on change events (default 15 s). */
  refreshMs?: number | undefined;
  /**
   * Idle data connections kept open to each proxy for client traffic (default 4); 0 carries everything in
   * the tunnel's SSH channels (one TCP connection per proxy, slower).
   */
  dataConnections?: number | undefined;
  log?: Logger | undefined;
  /** Discovery plugins to run (connector.yaml `discovery:`); their sockets are kept in sync. */
  discovery?: ConfiguredPlugin[] | undefined;
}

export interface ConnectorHandle {
  client: Border0Client;
  pool: TunnelPool;
  /** The discovery runner, when plugins are configured. */
  readonly discovery: DiscoveryRunner | undefined;
  /**
   * Replaces the discovery plugins (connector.yaml changed): the running ones stop, the new ones run now, and
   * the sockets of plugins no longer configured are removed (all discovered sockets, for an empty list).
   */
  setDiscovery(plugins: ConfiguredPlugin[]): Promise<void>;
  /** The latest configuration. */
  config(): Schema<'ConnectorConfig'>;
  /** Fetches the configuration now (after a socket change, say). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

type Config = Schema<'ConnectorConfig'>;

/** `host:port` or `[v6]:port` → an endpoint whose certificate carries the platform's base domain. */
function endpointOf(proxy: Config['proxies'][number], servername: string): ProxyEndpoint | undefined {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(proxy.public_address);
  if (!match) return undefined;
  return { id: proxy.name, host: match[1]!, port: Number(match[2]), servername };
}

/** Where a socket's upstream is: host and port of its upstream configuration. */
function upstreamOf(socket: Config['sockets'][number]): { host: string; port: number } {
  const upstream = socket.upstream_configuration as { hostname: string; port?: number };
  return { host: upstream.hostname, port: upstream.port ?? 22 };
}

export async function startConnector(options: ConnectorOptions): Promise<ConnectorHandle> {
  const log = options.log ?? pino({ name: 'border0-connector' });
  const client = createClient({ baseUrl: options.apiUrl, token: options.token });
  let config = await client.get('/api/v1/connector/config');
  const upstreams = () => new Map(config.sockets.map((s) => [s.dnsname.toLowerCase(), upstreamOf(s)]));
  let byDnsname = upstreams();
  const references = () => new Map(config.sockets.map((s) => [s.dnsname.toLowerCase(), s.secret_references]));
  let referencesByDnsname = references();
  const proxies = () => config.proxies.flatMap((p) => endpointOf(p, config.base_domain) ?? []);

  const pool = new TunnelPool({
    token: options.token,
    ca: config.platform_ca,
    sockets: config.sockets.map((s) => s.dnsname),
    proxies: proxies(),
    resolveUpstream: (dnsname) => byDnsname.get(dnsname.toLowerCase()),
    secretReferences: (dnsname) => referencesByDnsname.get(dnsname.toLowerCase()),
    dataConnections: options.dataConnections,
    log: log.child({ part: 'tunnel' }),
  });

  let discovery: DiscoveryRunner | undefined;
  const heartbeat = () =>
    client
      .post('/api/v1/connector/heartbeat', {
        body: {
          version: CONNECTOR_VERSION,
          proxies_connected: pool
            .status()
            .filter((s) => s.state === 'connected')
            .map((s) => s.proxy),
          ...(discovery && { discovery: discovery.status() }),
        },
      })
      .catch((error) => log.warn({ err: error }, 'heartbeat failed'));
  const fetchConfig = async () => {
    config = await client.get('/api/v1/connector/config');
    byDnsname = upstreams();
    referencesByDnsname = references();
    pool.setSockets(config.sockets.map((s) => s.dnsname));
    pool.setProxies(proxies());
    await heartbeat();
  };
  // One fetch at a time; changes during a fetch cause exactly one more.
  let fetching: Promise<void> | undefined;
  let again = false;
  const refresh = (): Promise<void> => {
    if (fetching) {
      again = true;
      return fetching;
    }
    fetching = fetchConfig().finally(() => {
      fetching = undefined;
      if (again) {
        again = false;
        void refresh().catch((error) => log.warn({ err: error }, 'configuration refresh failed'));
      }
    });
    return fetching;
  };
  const refreshSoon = () =>
    void refresh().catch((error) => log.warn({ err: error }, 'configuration refresh failed'));
  await heartbeat();
  const timer = setInterval(refreshSoon, options.refreshMs ?? 15_000);
  timer.unref();
  // Change events (a new proxy, a changed socket) take effect within moments, not at the next round.
  const events = new EventStream({ client, stream: 'connector', log, onEvent: refreshSoon }).start();
  log.info({ connector: config.connector.name, sockets: config.sockets.length }, 'connector started');
  const startDiscovery = (plugins: ConfiguredPlugin[]) => {
    discovery = new DiscoveryRunner({
      client,
      plugins,
      log: log.child({ part: 'discovery' }),
      onChanged: refreshSoon,
    });
    // The first run finishes in the background; its sockets come with the next configuration fetch.
    void discovery.start().then(() => heartbeat());
  };
  if (options.discovery?.length) startDiscovery(options.discovery);

  return {
    client,
    pool,
    get discovery() {
      return discovery;
    },
    async setDiscovery(plugins) {
      const previous = discovery;
      discovery = undefined;
      await previous?.close();
      startDiscovery(plugins);
    },
    config: () => config,
    refresh,
    async close() {
      clearInterval(timer);
      await discovery?.close();
      events.close();
      await pool.close();
    },
  };
}
