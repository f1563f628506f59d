/**
 * A connector's SSH side, reduced to what the proxy-side tests need: a real ssh2 Client over a given stream,
 * logging in with a token and asking for forwards.
 */
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';

export interface ConnectorPeer {
  client: ssh2.Client;
  /** Settles when the login succeeded or failed. */
  ready: Promise<void>;
  forward(dnsname: string): Promise<number>;
}

export function connectorPeer(stream: Duplex, token: string): ConnectorPeer {
  const client = new ssh2.Client();
  const ready = new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before ready')));
  });
  // Swallow later errors: each test asserts on what it cares about.
  ready.catch(() => {});
  client.on('error', () => {});
  client.connect({
    sock: stream,
    username: 'connector',
    password: token,
    hostVerifier: () => true,
    readyTimeout: 5_000,
  });
  const forward = (dnsname: string) =>
    new Promise<number>((resolve, reject) => {
      client.forwardIn(dnsname, 0, (error, port) => (error ? reject(error) : resolve(port)));
    });
  return { client, ready, forward };
}
