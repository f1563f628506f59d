/**
 * `border0 client tls <socket>`: reach a socket through the proxy with this machine's client certificate.
 * With `--listen`, a local listener forwards each accepted connection; without it, standard input and output
 * carry one connection (usable as an OpenSSH ProxyCommand).
 */
import { createServer } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { CLIENT_ALPN, checkProxyIdentity } from '@border0/protocol';
import type { Command } from 'commander';
import { type ClientCredentials, clientCredentials } from './client-certificate.js';
import { contextOf } from './context.js';
import { CliError, UsageError } from './errors.js';
import { visible } from './terminal-text.js';

export interface ProxyTarget {
  host: string;
  port: number;
}

/** `host:port` or `[v6]:port`. */
export function parseHostPort(text: string, flag: string): ProxyTarget {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535)
    throw new UsageError(`${flag} must be host:port, not ${JSON.stringify(text)}`);
  return { host: match[1]!, port };
}

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
    tls.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    const fail = (error: Error) => {
      tls.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf(0x0a);
      if (end === -1) return;
      tls.off('data', onData);
      tls.pause();
      const line = buffer.subarray(0, end).toString('utf8');
      if (line.startsWith('OK')) resolve({ tls, early: buffer.subarray(end + 1) });
      else fail(new CliError(`access denied: ${line.replace(/^DENIED\s*/, '') || 'no reason given'}`));
    };
    tls.on('data', onData);
    tls.once('error', (error) =>
      fail(new CliError(`cannot reach the proxy at ${proxy.host}:${proxy.port}: ${error.message}`)),
    );
    tls.once('end', () => fail(new CliError('the proxy closed the connection (unknown socket or refused)')));
  });
}

/** Carries bytes between the local side (what it reads, where it writes) and the proxy connection. */
function splice(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  remote: TLSSocket,
  early: Buffer,
): void {
  if (early.length > 0) output.write(early);
  remote.pipe(output);
  input.pipe(remote);
  remote.resume();
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
    .option('--proxy <host:port>', 'the proxy (env BORDER0_PROXY; default 127.0.0.1:8443)')
    .action(async (socketRef: string, options: { listen?: string; proxy?: string }, command: Command) => {
      const ctx = contextOf(command);
      const client = ctx.client();
      const proxy = parseHostPort(options.proxy ?? process.env.BORDER0_PROXY ?? '127.0.0.1:8443', '--proxy');
      const org = await client.get('/api/v1/organizations/{organization}', {
        params: { path: { organization: 'current' } },
      });
      const socket = await client.get('/api/v1/sockets/{socket}', {
        params: { path: { socket: socketNameOf(socketRef, org.name) } },
      });
      // Asked per connection: a long-running listener renews its certificate before it expires.
      const credentials = () => clientCredentials(client, ctx.configDir, org.name, ctx.identity());

      if (!options.listen) {
        const { tls, early } = await openThroughProxy(proxy, socket.dnsname, await credentials());
        splice(process.stdin, process.stdout, tls, early);
        process.stdout.on('error', () => tls.destroy());
        await new Promise<void>((resolve) => tls.once('close', () => resolve()));
        process.stdin.pause();
        return;
      }
      const listen = parseHostPort(options.listen, '--listen');
      const server = createServer((local) => {
        local.pause();
        credentials()
          .then((current) => openThroughProxy(proxy, socket.dnsname, current))
          .then(
            ({ tls, early }) => {
              // Either side gone, abruptly or not, takes the other with it.
              local.once('close', () => tls.destroy());
              tls.once('close', () => local.destroy());
              local.on('error', () => tls.destroy());
              tls.on('error', () => local.destroy());
              splice(local, local, tls, early);
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
