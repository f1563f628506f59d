/** Where a proxy's tunnel listener is, and how a pool keys it. */

/** A proxy's tunnel endpoint. `servername` is the name its certificate carries (default: `host`). */
export interface ProxyEndpoint {
  host: string;
  port: number;
  servername?: string;
  /** Stable key in a pool (default `host:port`). */
  id?: string;
}

/** The key of a proxy in a pool and in statuses: its id, or `host:port`. */
export function proxyKey(proxy: ProxyEndpoint): string {
  return proxy.id ?? `${proxy.host}:${proxy.port}`;
}
