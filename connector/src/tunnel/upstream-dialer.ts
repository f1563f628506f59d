/**
 * The connector's side of one channel: dial the socket's upstream, and either hand the connection over for
 * piping or refuse the channel with a reason the proxy can report.
 */
import net from 'node:net';
import type { Client } from 'ssh2';

/** Where a socket's traffic goes on the connector's network. */
export interface Upstream {
  host: string;
  port: number;
}

/** Maps a socket's dnsname to its upstream, from the connector's own configuration; undefined: not served. */
export type ResolveUpstream = (dnsname: string) => Upstream | undefined | Promise<Upstream | undefined>;

/** Connects to the upstream of `dnsname`; rejects with an error whose message is safe to send to the proxy. */
export async function dialUpstream(
  dnsname: string,
  resolveUpstream: ResolveUpstream,
  timeoutMs: number,
): Promise<net.Socket> {
  const upstream = await resolveUpstream(dnsname);
  if (!upstream) throw new Error(`no upstream configured for ${dnsname}`);
  return new Promise((resolve, reject) => {
    // allowHalfOpen: a client's half-close reaches the upstream as a FIN while its reply still flows back.
    const socket = net.connect({ host: upstream.host, port: upstream.port, allowHalfOpen: true });
    const fail = (error: NodeJS.ErrnoException) => {
      socket.destroy();
      // The code (ECONNREFUSED, ETIMEDOUT...) says enough and does not spell out the private address.
      reject(new Error(`upstream unreachable: ${error.code ?? error.message}`));
    };
    socket.once('error', fail);
    socket.setTimeout(timeoutMs, () => fail(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.removeListener('error', fail);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

/**
 * Refuses an incoming channel with `description` in SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254 §5.1). ssh2's
 * `reject()` always sends an empty description, so for that one synchronous call we pass ours through the
 * protocol writer it uses; if ssh2's internals ever change shape, the plain rejection still goes out.
 */
export function refuseChannel(client: Client, reject: () => void, description: string): void {
  type Writer = { channelOpenFail?: (recipient: number, reason: number, description?: string) => void };
  const protocol = (client as unknown as { _protocol?: Writer })._protocol;
  const original = protocol?.channelOpenFail;
  if (!protocol || typeof original !== 'function') {
    reject();
    return;
  }
  protocol.channelOpenFail = (recipient, reason) => original.call(protocol, recipient, reason, description);
  try {
    reject();
  } finally {
    protocol.channelOpenFail = original;
  }
}
