/**
 * Running connectors from the CLI: `border0 connector start` (sockets from the organization, plus static
 * ones from connector.yaml) and `border0 socket connect`, a one-socket connector for any machine.
 */
import { readFileSync, watch } from 'node:fs';
import type { ConfiguredPlugin, ConnectorHandle } from '@border0/connector';
import { type Border0Client, createClient } from '@border0/sdk';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { contextOf } from './context.js';
import { CliError, UsageError } from './errors.js';
import { printJson, printLine } from './output.js';
import { visible } from './terminal-text.js';
import { parseUpstreamUrl, type SocketType } from './upstream-url.js';

interface StaticSocket {
  name: string;
  type: SocketType;
  upstream: string;
  tags?: Record<string, string>;
  description?: string;
}

interface ConnectorFile {
  sockets: StaticSocket[];
  /** `discovery:`: plugin name → settings, checked by the connector's plugins. */
  discovery: unknown;
}

/**
 * Reads a connector.yaml: `sockets:` (name, type, upstream as a URL or host:port, tags, description) and
 * `discovery:` (plugin name → settings); at least one of them.
 */
export function readConnectorFile(text: string): ConnectorFile {
  const document = (parse(text) ?? {}) as { sockets?: unknown; discovery?: unknown };
  if (document.sockets === undefined && document.discovery !== undefined) {
    return { sockets: [], discovery: document.discovery };
  }
  if (!Array.isArray(document.sockets))
    throw new UsageError('connector.yaml: expected a list under `sockets:` or a map under `discovery:`');
  const sockets = document.sockets.map((entry, index) => {
    const s = entry as Partial<StaticSocket>;
    if (!s.name || !s.type || !s.upstream) {
      throw new UsageError(`connector.yaml: sockets.${index} needs name, type and upstream`);
    }
    return s as StaticSocket;
  });
  return { sockets, discovery: document.discovery };
}

/** The discovery plugins of a connector.yaml, with its errors as usage errors naming the field. */
async function discoveryPlugins(discovery: unknown) {
  const { configuredPlugins } = await import('@border0/connector');
  try {
    return configuredPlugins(discovery);
  } catch (error) {
    throw new UsageError(`connector.yaml: ${(error as Error).message}`);
  }
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
  onStarted?: (connector: ConnectorHandle) => Promise<void>,
  discovery?: ConfiguredPlugin[],
) {
  const { startConnector } = await import('@border0/connector');
  const { pino } = await import('pino');
  const log = pino(
    { name: 'border0-connector', level: process.env.BORDER0_LOG_LEVEL ?? 'info' },
    pino.destination(2),
  );
  const connector = await startConnector({ apiUrl, token, log, discovery });
  await onStarted?.(connector);
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
    .option(
      '--config <file>',
      'connector.yaml: static sockets and discovery plugins, applied again when it changes',
    )
    .action(async (options: { token?: string; config?: string }, command: Command) => {
      const ctx = contextOf(command);
      // --token is also the program's global option: commander may hand it to either.
      const token =
        options.token ??
        command.optsWithGlobals<{ token?: string }>().token ??
        process.env.BORDER0_CONNECTOR_TOKEN;
      if (!token) throw new UsageError('give the connector token: --token or BORDER0_CONNECTOR_TOKEN');
      const file = options.config;
      // Static sockets are declared again, and the discovery plugins replaced, whenever the file changes.
      let discoverySettings = file ? readConnectorFile(readFileSync(file, 'utf8')).discovery : undefined;
      const plugins = await discoveryPlugins(discoverySettings);
      await runUntilSignal(
        ctx.settings.apiUrl,
        token,
        async (connector) => {
          if (!file) return;
          const apply = async () => {
            const read = readConnectorFile(readFileSync(file, 'utf8'));
            await declareSockets(connector.client, read.sockets);
            if (JSON.stringify(read.discovery) === JSON.stringify(discoverySettings)) return;
            // Bad new settings throw here, before anything stops: the running plugins carry on.
            const next = await discoveryPlugins(read.discovery);
            discoverySettings = read.discovery;
            await connector.setDiscovery(next);
            printLine(
              `discovery: ${next.map((p) => p.plugin.name).join(', ') || 'no plugin'} (from ${file})`,
            );
          };
          await apply();
          watch(
            file,
            () =>
              void apply().catch((error: Error) =>
                console.error(visible(`border0: ${file}: ${error.message}`)),
              ),
          );
        },
        plugins,
      );
    });
}

const VERBS = { create: 'create', update: 'update', delete: 'remove', skip: 'skip' } as const;

export function registerConnectorDiscoverCommand(connector: Command): void {
  connector
    .command('discover')
    .description('Run the discovery plugins of connector.yaml once and reconcile their sockets')
    .option('--token <token>', 'the connector token (env BORDER0_CONNECTOR_TOKEN)')
    .option('--config <file>', 'the connector.yaml with `discovery:`', 'connector.yaml')
    .option('--dry-run', 'print what would be created, changed and removed, and change nothing')
    .action(async (options: { token?: string; config: string; dryRun?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const token =
        options.token ??
        command.optsWithGlobals<{ token?: string }>().token ??
        process.env.BORDER0_CONNECTOR_TOKEN;
      if (!token) throw new UsageError('give the connector token: --token or BORDER0_CONNECTOR_TOKEN');
      let text: string;
      try {
        text = readFileSync(options.config, 'utf8');
      } catch (error) {
        throw new UsageError(`${options.config}: ${(error as Error).message}`);
      }
      const plugins = await discoveryPlugins(readConnectorFile(text).discovery);
      if (plugins.length === 0) throw new UsageError(`${options.config}: no plugin under \`discovery:\``);
      const { planDiscovery, applyChanges } = await import('@border0/connector');
      const client = createClient({ baseUrl: ctx.settings.apiUrl, token });
      const { changes, errors } = await planDiscovery(client, plugins);
      const rows = changes.map((c) => ({
        action: VERBS[c.kind],
        socket: c.name,
        plugin: c.plugin,
        type: c.resource?.socketType ?? null,
        source: c.resource?.source ?? null,
        detail: c.detail ?? null,
      }));
      const failed = options.dryRun ? [] : await applyChanges(client, changes);
      if (ctx.output === 'json') {
        printJson({
          dry_run: Boolean(options.dryRun),
          changes: rows,
          errors: [
            ...[...errors].map(([plugin, e]) => ({ plugin, error: e.message })),
            ...failed.map((f) => ({
              plugin: f.change.plugin,
              socket: f.change.name,
              error: f.error.message,
            })),
          ],
        });
      } else {
        const would = options.dryRun ? 'would ' : '';
        if (rows.length === 0) printLine('nothing to change');
        for (const r of rows) {
          const what = [r.type, r.source, r.detail].filter(Boolean).join(', ');
          printLine(visible(`${would}${r.action} ${r.socket} (${r.plugin}${what ? `: ${what}` : ''})`));
        }
        for (const [plugin, e] of errors)
          console.error(visible(`border0: discovery ${plugin}: ${e.message}`));
        for (const f of failed)
          console.error(visible(`border0: ${f.change.kind} ${f.change.name}: ${f.error.message}`));
      }
      if (errors.size > 0 || failed.length > 0) throw new CliError('discovery had errors (see above)');
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
