/** Connector tunnels: one TLS+SSH tunnel per proxy, reverse forwards per socket, upstream dialing. */

export { CONNECTOR_USERNAME, TUNNEL_ALPN } from '@border0/protocol';
export { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from '@border0/sdk';
export { type ProxyEndpoint, proxyKey } from './proxy-endpoint.js';
export {
  TunnelClient,
  type TunnelClientOptions,
  type TunnelClientState,
  type TunnelLogger,
  type TunnelStatus,
} from './tunnel-client.js';
export { TunnelPool, type TunnelPoolOptions } from './tunnel-pool.js';
export { dialUpstream, type ResolveUpstream, type Upstream } from './upstream-dialer.js';
