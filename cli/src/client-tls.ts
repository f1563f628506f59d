/**
 * `border0 client tls <socket>`: reach a socket through the proxy with this machine's client certificate.
 * With `--listen`, a local listener forwards each accepted connection; without it, standard input and output
 * carry one connection (usable as an OpenSSH ProxyCommand). Either way each direction ends on its own
 * (half-close): the end of what the local side sends reaches the upstream as an EOF while its answer still
 * comes back, and the upstream's EOF ends the local output while the local side may go on sending.
 */
import { closeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { bridgeDuplex, CLIENT_ALPN, checkProxyIdentity } from '@border0/protocol';
import type { Command } from 'commander';
import { type ClientCredentials, clientCredentials } from './client-certificate.js';
import { contextOf } from './context.js';
import { CliError } from './errors.js';
import {
  PROXY_OPTION_HELP,
  type ProxyTarget,
  parseHostPort,
  proxyTargets,
  reachableProxy,
} from './proxy-discovery.js';
import { visible } from './terminal-text.js';

/**
 * Opens a TLS connection to the proxy for `dnsname` and waits for the proxy's verdict line; resolves with the
 * connection (and any bytes that came after the line), or rejects with the reason of a refusal.
 */
export function openThroughProxy(proxy: ProxyTarget, dnsname: string, credentials: ClientCredentials) {
  return new Promise<{ tls: TLSSocket; early: Buffer }>((resolve, reject) => {
    const tls = connect({
      host: proxy.host,
      port: proxy.port,
      servername: dnsname,
      key: credentials.key,
      cert: credentials.cert,
      ca: credentials.platformCa,
      checkServerIdentity: checkProxyIdentity,
      ALPNProtocols: [CLIENT_ALPN],
    });
    // The proxy's EOF ends only what comes from it: what we still send goes on. (tls.connect takes this as an
    // option too, but its types do not say so; Node reads the property when the EOF arrives.)
    tls.allowHalfOpen = true;
    tls.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    const onError = (error: Error) =>
      fail(new CliError(`cannot reach the proxy at ${proxy.host}:${proxy.port}: ${error.message}`));
    const onEnd = () => fail(new CliError('the proxy closed the connection (unknown socket or refused)'));
    const settle = () => {
      tls.off('data', onData);
      tls.off('error', onError);
      tls.off('end', onEnd);
    };
    const fail = (error: Error) => {
      settle();
      tls.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf(0x0a);
      if (end === -1) return;
      tls.pause();
      const line = buffer.subarray(0, end).toString('utf8');
      if (!line.startsWith('OK')) {
        fail(new CliError(`access denied: ${line.replace(/^DENIED\s*/, '') || 'no reason given'}`));
        return;
      }
      // From here on the proxy's EOF is the upstream's half-close, not a refusal.
      settle();
      resolve({ tls, early: buffer.subarray(end + 1) });
    };
    tls.on('data', onData);
    tls.once('error', onError);
    tls.once('end', onEnd);
  });
}

/**
 * Carries one connection over standard input and output until both directions are done. Resolves when the
 * proxy connection is closed: both ends passed on, or an error.
 */
function spliceStandardStreams(remote: TLSSocket, early: Buffer): Promise<void> {
  const closed = new Promise<void>((resolve) => remote.once('close', () => resolve()));
  // A failure either way ends the connection at once (and the wait above).
  remote.on('error', () => remote.destroy());
  process.stdout.on('error', () => remote.destroy());
  if (early.length > 0) process.stdout.write(early);
  // pipe() never ends process.stdout: the proxy's EOF is passed on by hand, once its last bytes are out.
  remote.pipe(process.stdout);
  remote.once('end', () => process.stdout.end(endStandardOutput));
  // The end of standard input ends our sending side only (the upstream reads an EOF, its answer still comes).
  process.stdin.pipe(remote);
  remote.resume();
  return closed;
}

/**
 * Lets the reader of standard output see its end while this process keeps sending what standard input brings.
 * Ending the stream is not enough: Node shuts down a socket's sending side, but a pipe (a shell's `|`,
 * OpenSSH's ProxyCommand) stays open until its descriptor is closed. Nothing writes to it after this. A
 * terminal has no end to show.
 */
function endStandardOutput(): void {
  if (process.stdout.isTTY) return;
  try {
    closeSync(1);
  } catch {
    // Already closed: the reader has its end.
  }
}

/**
 * A local listener that forwards each accepted connection through the proxy (`open` makes the proxy
 * connection; a refusal is printed and the local connection closed). Each direction ends on its own.
 */
export async function listenThroughProxy(
  listen: ProxyTarget,
  open: () => Promise<{ tls: TLSSocket; early: Buffer }>,
): Promise<Server> {
  // allowHalfOpen: a local client's EOF (`nc -N`, a shell pipe) ends only what it sends.
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (local) => {
    local.pause();
    // Until the proxy answers, a local client that goes away just goes.
    const goneEarly = () => local.destroy();
    local.once('error', goneEarly);
    open().then(
      ({ tls, early }) => {
        local.off('error', goneEarly);
        if (local.destroyed) {
          tls.destroy();
          return;
        }
        if (early.length > 0) local.write(early);
        // Each direction ends on its own; both close once both are done, or at once on an error.
        bridgeDuplex(local, tls);
        tls.resume();
        local.resume();
      },
      (error: Error) => {
        console.error(`border0: ${visible(error.message)}`);
        local.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return server;
}

/** A socket's name from its name, id or dnsname (`web-acme.example.net` → `web` in organization `acme`). */
export function socketNameOf(ref: string, organization: string): string {
  const suffix = ref.toLowerCase().lastIndexOf(`-${organization.toLowerCase()}.`);
  return ref.includes('.') && suffix > 0 ? ref.slice(0, suffix) : ref;
}

export function registerClientTlsCommand(group: Command): void {
  group
    .command('tls')
    .description('Connect to a socket through the proxy: a local listener, or standard input and output')
    .argument('<socket>', 'socket name, id or dnsname (<socket>-<org>.<domain>, as ssh passes %h)')
    .option('--listen <host:port>', 'listen here and forward each connection (default: stdin/stdout)')
    .option('--proxy <host:port>', PROXY_OPTION_HELP)
    .action(async (socketRef: string, options: { listen?: string; proxy?: string }, command: Command) => {
      const ctx = contextOf(command);
      const client = ctx.client();
      const [proxies, org] = await Promise.all([
        proxyTargets(client, options.proxy),
        client.get('/api/v1/organizations/{organization}', { params: { path: { organization: 'current' } } }),
      ]);
      // A listener keeps to the proxy it found first; each ssh ProxyCommand finds one for its connection.
      const proxy = await reachableProxy(proxies);
      const socket = await client.get('/api/v1/sockets/{socket}', {
        params: { path: { socket: socketNameOf(socketRef, org.name) } },
      });
      // Asked per connection: a long-running listener renews its certificate before it expires.
      const credentials = () => clientCredentials(client, ctx.configDir, org.name, ctx.identity());

      if (!options.listen) {
        const { tls, early } = await openThroughProxy(proxy, socket.dnsname, await credentials());
        await spliceStandardStreams(tls, early);
        process.stdin.pause();
        return;
      }
      const listen = parseHostPort(options.listen, '--listen');
      const server = await listenThroughProxy(listen, () =>
        credentials().then((current) => openThroughProxy(proxy, socket.dnsname, current)),
      );
      const address = server.address() as { address: string; port: number };
      console.error(
        `border0: ${visible(socket.dnsname)} is at ${address.address}:${address.port} (Ctrl+C to stop)`,
      );
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      server.close();
    });
}
