/** The constants both ends of a connector tunnel agree on: a change here is a protocol change. */

/** ALPN protocol a connector offers on the proxy's TLS listener; the gateway routes it to the tunnel server. */
export const TUNNEL_ALPN = 'border0-tunnel';

/** SSH user name of a connector; its connector token is the SSH password. */
export const CONNECTOR_USERNAME = 'connector';

/**
 * Port the proxy reports back for a `tcpip-forward` with bindPort 0. Nothing listens on it: a forward names a
 * socket by its dnsname, and client traffic arrives through the gateway. Any fixed number would do.
 */
export const VIRTUAL_FORWARD_PORT = 443;
