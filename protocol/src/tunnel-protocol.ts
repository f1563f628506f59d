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

/**
 * ALPN of a connector's data connection: a TLS connection to the proxy that carries one client connection's
 * bytes with nothing inside (no SSH, no multiplexing), so they are encrypted once and copied by the kernel's
 * TLS record layer only. The connector keeps a few open and idle per proxy; each goes:
 *
 *   connector → proxy   `{"token": "<connector token>"}`          (one JSON line: whose connection it is)
 *   proxy → connector   `{"dnsname": "...", "origin": {"address": "...", "port": N}}`   (when it is used)
 *   connector → proxy   `{"ok": true}` then the upstream's bytes, or `{"error": "..."}` and the end
 *
 * A proxy accepts one only while a tunnel of the same connector token is up, and falls back to an SSH
 * channel of the tunnel when a connector offers none.
 */
export const DATA_ALPN = 'border0-data';

/** Longest hello or request line of a data connection. */
export const DATA_LINE_LIMIT = 4096;
