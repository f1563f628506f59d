/** `border0 connector`: agents in private networks, and the tokens they authenticate with. */
import type { Schema } from '@border0/sdk';
import type { Command } from 'commander';
import { registerConnectorDiscoverCommand, registerConnectorStartCommand } from './connector-run.js';
import { contextOf } from './context.js';
import { expiresAt } from './options.js';
import { type Column, printDone, printItem, printList } from './output.js';
import { defaultTokenName, expiresInOption, printNewToken, TOKEN_COLUMNS } from './token.js';

type Connector = Schema<'Connector'>;

const FIELDS: Column<Connector>[] = [
  ['id', (c) => c.id],
  ['name', (c) => c.name],
  ['description', (c) => c.description],
  ['status', (c) => c.status],
  ['last seen', (c) => c.last_seen_at],
  ['version', (c) => c.version],
  ['discovery', (c) => discoverySummary(c)],
  ['created', (c) => c.created_at],
];

/** Each discovery plugin's last run: `network: 3 at 2024-05-01T10:00:00Z`, or its error. */
function discoverySummary(c: Connector): string | null {
  if (c.discovery.length === 0) return null;
  return c.discovery
    .map((d) =>
      d.error
        ? `${d.plugin}: error: ${d.error}`
        : `${d.plugin}: ${d.last_run_at ? `${d.resources} at ${d.last_run_at}` : 'not run yet'}`,
    )
    .join('; ');
}

export function registerConnectorCommands(program: Command): void {
  const group = program
    .command('connector')
    .description('Connectors: agents that reach your private services');
  registerConnectorStartCommand(group);
  registerConnectorDiscoverCommand(group);

  group
    .command('ls')
    .description('List connectors')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await printList(ctx, ctx.client().paginate('/api/v1/connectors'), [
        ['NAME', (c) => c.name],
        ['STATUS', (c) => c.status],
        ['LAST SEEN', (c) => c.last_seen_at],
        ['VERSION', (c) => c.version],
        ['DISCOVERY', (c) => discoverySummary(c)],
        ['ID', (c) => c.id],
      ]);
    });

  group
    .command('show <connector>')
    .description('Show a connector (by name or id)')
    .action(async (connector: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const found = await ctx
        .client()
        .get('/api/v1/connectors/{connector}', { params: { path: { connector } } });
      printItem(ctx, found, FIELDS);
    });

  group
    .command('create <name>')
    .description('Create a connector; then give it a token with: border0 connector token create <name>')
    .option('--description <text>', 'where it runs, what it reaches')
    .action(async (name: string, options: { description?: string }, command: Command) => {
      const ctx = contextOf(command);
      const created = await ctx.client().post('/api/v1/connectors', { body: { name, ...options } });
      printItem(ctx, created, FIELDS);
    });

  group
    .command('delete <connector>')
    .alias('rm')
    .description('Delete a connector (its tokens stop working)')
    .action(async (connector: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().delete('/api/v1/connectors/{connector}', { params: { path: { connector } } });
      printDone(ctx, `deleted connector ${connector}`, { deleted: 'connector', connector });
    });

  const tokens = group.command('token').description('The tokens a connector authenticates with');

  tokens
    .command('create <connector>')
    .description('Create a connector token (shown once)')
    .option('--name <name>', 'what the token is for (default: cli <date>)')
    .addOption(expiresInOption())
    .action(async (connector: string, options: { name?: string; expiresIn?: string }, command: Command) => {
      const ctx = contextOf(command);
      const expires_at = expiresAt(options.expiresIn);
      const created = await ctx.client().post('/api/v1/connectors/{connector}/tokens', {
        params: { path: { connector } },
        body: { name: options.name ?? defaultTokenName(), ...(expires_at && { expires_at }) },
      });
      printNewToken(ctx, created, `connector ${connector}`);
    });

  tokens
    .command('ls <connector>')
    .description('List a connector’s tokens')
    .action(async (connector: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const path = { connector };
      await printList(
        ctx,
        ctx.client().paginate('/api/v1/connectors/{connector}/tokens', { params: { path } }),
        TOKEN_COLUMNS,
      );
    });

  tokens
    .command('delete <connector> <token-id>')
    .alias('rm')
    .description('Revoke a connector token')
    .action(async (connector: string, id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().delete('/api/v1/connectors/{connector}/tokens/{token_id}', {
        params: { path: { connector, token_id: id } },
      });
      printDone(ctx, `revoked token ${id} of connector ${connector}`, { deleted: 'token', id, connector });
    });
}
