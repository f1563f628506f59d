/**
 * TLS to a database upstream over the connector's channel, verified as the socket says: `full` checks the
 * chain and the name (`hostname`, an IP address too), `ca` the chain only, `none` encrypts without checking;
 * with a client certificate when the socket has one (PostgreSQL's `cert` login, MySQL's `REQUIRE X509`).
 */
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

export interface UpstreamTlsSettings {
  enabled: boolean;
  verify: 'full' | 'ca' | 'none';
  ca_certificate?: string | undefined;
  client_certificate?: string | undefined;
  /** The key of `client_certificate` (PEM), resolved: never a reference. */
  client_key?: string | undefined;
}

/** The upstream's TLS handshake failed: its certificate was refused, or it does not speak TLS. */
export class UpstreamTlsError extends Error {
  override readonly name = 'UpstreamTlsError';
}

/** Rejects with an UpstreamTlsError saying "TLS to the upstream failed: ...". */
export async function upstreamTls(
  channel: Duplex,
  hostname: string,
  settings: UpstreamTlsSettings | undefined,
  alpn?: string[],
): Promise<Duplex> {
  const { verify = 'full', ca_certificate, client_certificate, client_key } = settings ?? {};
  const isName = !/^[\d.]+$|:/.test(hostname);
  const socket = tlsConnect({
    socket: channel,
    ...(isName && { servername: hostname }),
    ...(ca_certificate !== undefined && { ca: ca_certificate }),
    ...(client_certificate !== undefined &&
      client_key !== undefined && { cert: client_certificate, key: client_key }),
    rejectUnauthorized: verify !== 'none',
    // verify-ca: the chain, not the name. (An explicit `checkServerIdentity: undefined` trips an internal
    // assertion of Node 20: the option is left out for `full`.)
    ...(verify !== 'full' && { checkServerIdentity: () => undefined }),
    ...(verify === 'full' && !isName && { host: hostname }),
    ...(alpn && { ALPNProtocols: alpn }),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', (error) =>
      reject(new UpstreamTlsError(`TLS to the upstream failed: ${error.message}`)),
    );
  });
  return socket;
}
