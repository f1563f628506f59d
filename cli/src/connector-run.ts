/**
 * Running connectors from the CLI: `border0 connector start` (sockets from the organization, plus static
 * ones from connector.yaml) and `border0 socket connect`, a one-socket connector for any machine.
 */
import { readFileSync, watch } from 'node:fs';
import { type Border0Client, createClient } from '@border0/sdk';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { contextOf } from './context.js';
import { CliError, UsageError } from './errors.js';
import { printLine } from './output.js';
import { visible } from './terminal-text.js';
import { parseUpstreamUrl, type SocketType } from './upstream-url.js';

interface StaticSocket {
  name: string;
  type: SocketType;
  upstream: string;
  tags?: Record<string, string>;
  description?: string;
}

/** Reads `sockets:` from a connector.yaml: name, type, upstream (a URL or host:port), tags, description. */
export function readConnectorFile(text: string): StaticSocket[] {
  const document = (parse(text) ?? {}) as { sockets?: unknown };
  if (!Array.isArray(document.sockets))
    throw new UsageError('connector.yaml: expected a list under `sockets:`');
  return document.sockets.map((entry, index) => {
    const s = entry as Partial<StaticSocket>;
    if (!s.name || !s.type || !s.upstream) {
      throw new UsageError(`connector.yaml: sockets.${index} needs name, type and upstream`);
    }
    return s as StaticSocket;
  });
}

/** Declares the static sockets through the connector's own token (created or updated, owned by it). */
async function declareSockets(client: Border0Client, sockets: StaticSocket[]): Promise<void> {
  for (const s of sockets) {
    await client.put('/api/v1/connector/sockets/{name}', {
      params: { path: { name: s.name } },
      body: {
        socket_type: s.type,
        upstream_configuration: parseUpstreamUrl(s.type, s.upstream),
        ...(s.tags && { tags: s.tags }),
        ...(s.description && { description: s.description }),
      },
    });
  }
}

async function runUntilSignal(
  apiUrl: string,
  token: string,
  onStarted?: (client: Border0Client) => Promise<void>,
) {
  const { startConnector } = await import('@border0/connector');
  const { pino } = await import('pino');
  const log = pino(
    { name: 'border0-connector', level: process.env.BORDER0_LOG_LEVEL ?? 'info' },
    pino.destination(2),
  );
  const connector = await startConnector({ apiUrl, token, log });
  await onStarted?.(connector.client);
  const config = connector.config();
  printLine(
    `connector ${config.connector.name} serves ${config.sockets.map((s) => s.dnsname).join(', ') || 'no socket yet'}` +
      ` through ${config.proxies.length} prox${config.proxies.length === 1 ? 'y' : 'ies'}`,
  );
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  await connector.close();
}

export function registerConnectorStartCommand(connector: Command): void {
  connector
    .command('start')
    .description('Run a connector: hold tunnels to the proxies and reach the upstreams of its sockets')
    .option('--token <token>', 'the connector token (env BORDER0_CONNECTOR_TOKEN)')
    .option('--config <file>', 'static sockets to declare (connector.yaml), applied again when it changes')
    .action(async (options: { token?: string; config?: string }, command: Command) => {
      const ctx = contextOf(command);
      // --token is also the program's global option: commander may hand it to either.
      const token =
        options.token ??
        command.optsWithGlobals<{ token?: string }>().token ??
        process.env.BORDER0_CONNECTOR_TOKEN;
      if (!token) throw new UsageError('give the connector token: --token or BORDER0_CONNECTOR_TOKEN');
      const file = options.config;
      await runUntilSignal(ctx.settings.apiUrl, token, async (client) => {
        if (!file) return;
        const apply = () => declareSockets(client, readConnectorFile(readFileSync(file, 'utf8')));
        await apply();
        watch(
          file,
          () =>
            void apply().catch((error: Error) =>
              console.error(visible(`border0: ${file}: ${error.message}`)),
            ),
        );
      });
    });
}

export function registerSocketConnectCommand(socket: Command): void {
  socket
    .command('connect')
    .description('Publish a local service as a socket and serve it from this machine until stopped')
    .argument('<socket>', 'socket name')
    .requiredOption('--upstream <url>', 'where the service is, e.g. 127.0.0.1:6379 or tls://db:5432')
    .option('--type <type>', 'socket type', 'tls')
    .action(async (name: string, options: { upstream: string; type: SocketType }, command: Command) => {
      const ctx = contextOf(command);
      const admin = ctx.client();
      const connectorName = `${name}-connector`.slice(0, 63);
      const existing = await admin
        .get('/api/v1/connectors/{connector}', { params: { path: { connector: connectorName } } })
        .catch(() => undefined);
      const connector =
        existing ??
        (await admin.post('/api/v1/connectors', {
          body: { name: connectorName, description: `border0 socket connect ${name}` },
        }));
      const { token } = await admin.post('/api/v1/connectors/{connector}/tokens', {
        params: { path: { connector: connector.id } },
        body: { name: `socket-connect-${process.pid}` },
      });
      if (!token) throw new CliError('the API issued no connector token');
      const own = createClient({ baseUrl: ctx.settings.apiUrl, token });
      await declareSockets(own, [{ name, type: options.type, upstream: options.upstream }]);
      await runUntilSignal(ctx.settings.apiUrl, token);
    });
}
