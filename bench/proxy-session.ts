/** A client session opened straight to a proxy, as `border0 client tls` opens one, for benchmarks. */
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { checkProxyIdentity } from '@border0/protocol';
import { CLIENT_ALPN, parseStatusLine } from '@border0/proxies';
import type { Credentials } from './client-credentials.js';

export interface ProxySession {
  socket: TLSSocket;
  /** Bytes of the upstream that came with the status line. */
  early: Buffer;
  /** hrtime marks: the connect call, the TLS handshake done, the `OK` status line in hand. */
  marks: { start: bigint; handshake: bigint; status: bigint };
}

/**
 * TLS to the proxy for `dnsname` with ALPN border0-client and a client certificate; resolves after the
 * `OK <session>` line, with the socket paused; rejects on a refusal or a close before it.
 */
export function openProxySession(
  proxyPort: number,
  dnsname: string,
  credentials: Credentials,
): Promise<ProxySession> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: proxyPort,
      servername: dnsname,
      key: credentials.key,
      cert: credentials.cert,
      ca: credentials.platformCa,
      checkServerIdentity: checkProxyIdentity,
      ALPNProtocols: [CLIENT_ALPN],
    });
    let buffer = Buffer.alloc(0);
    let handshake = 0n;
    socket.once('secureConnect', () => {
      handshake = process.hrtime.bigint();
    });
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    const closed = () => fail(new Error(`closed before the status line (${buffer.toString('utf8')})`));
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const status = parseStatusLine(buffer);
      if (!status) return;
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('close', closed);
      socket.pause();
      if (!status.allowed) return fail(new Error(`access denied: ${status.detail}`));
      resolve({ socket, early: status.rest, marks: { start, handshake, status: process.hrtime.bigint() } });
    };
    socket.on('data', onData);
    socket.once('error', fail);
    socket.once('close', closed);
  });
}
