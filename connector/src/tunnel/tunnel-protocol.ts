/**
 * The constants both ends of a connector tunnel agree on. The proxy keeps its own copy in
 * @border0/proxies (the connector reaches the proxies only over the wire, never by import): change both.
 */

/** ALPN protocol offered on the proxy's TLS listener to reach its tunnel server. */
export const TUNNEL_ALPN = 'border0-tunnel';

/** SSH user name of a connector; its connector token is the SSH password. */
export const CONNECTOR_USERNAME = 'connector';
