/** `border0 service-account`: non-human identities (CI, scripts) and their expiring tokens. */
import type { Schema } from '@border0/sdk';
import { type Command, Option } from 'commander';
import { contextOf } from './context.js';
import { expiresAt } from './options.js';
import { type Column, printDone, printItem, printList } from './output.js';
import { defaultTokenName, expiresInOption, printNewToken, ROLES, TOKEN_COLUMNS } from './token.js';

type ServiceAccount = Schema<'ServiceAccount'>;

const COLUMNS: Column<ServiceAccount>[] = [
  ['NAME', (s) => s.name],
  ['ROLE', (s) => s.role],
  ['DESCRIPTION', (s) => s.description],
  ['CREATED', (s) => s.created_at],
];

export function registerServiceAccountCommands(program: Command): void {
  const group = program
    .command('service-account')
    .alias('sa')
    .description('Service accounts: identities for programs, with expiring tokens');

  group
    .command('ls')
    .description('List service accounts')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await printList(ctx, ctx.client().paginate('/api/v1/service-accounts'), COLUMNS);
    });

  group
    .command('create <name>')
    .description('Create a service account')
    .addOption(new Option('--role <role>', 'what it may do').choices(ROLES).makeOptionMandatory())
    .option('--description <text>', 'what it is for')
    .action(
      async (
        name: string,
        options: { role: ServiceAccount['role']; description?: string },
        command: Command,
      ) => {
        const ctx = contextOf(command);
        const created = await ctx.client().post('/api/v1/service-accounts', { body: { name, ...options } });
        printItem(ctx, created, [
          ['id', (s) => s.id],
          ...COLUMNS.map(([h, f]) => [h.toLowerCase(), f] as const),
        ]);
      },
    );

  group
    .command('delete <name>')
    .alias('rm')
    .description('Delete a service account and its tokens')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().delete('/api/v1/service-accounts/{service_account}', {
        params: { path: { service_account: name } },
      });
      printDone(ctx, `deleted service account ${name}`, { deleted: 'service_account', name });
    });

  const tokens = group.command('token').description('A service account’s tokens');

  tokens
    .command('create <name>')
    .description('Create a token for a service account (shown once)')
    .option('--name <text>', 'what the token is for (default: cli <date>)')
    .addOption(expiresInOption())
    .action(async (name: string, options: { name?: string; expiresIn?: string }, command: Command) => {
      const ctx = contextOf(command);
      const expires_at = expiresAt(options.expiresIn);
      const created = await ctx.client().post('/api/v1/service-accounts/{service_account}/tokens', {
        params: { path: { service_account: name } },
        body: { name: options.name ?? defaultTokenName(), ...(expires_at && { expires_at }) },
      });
      printNewToken(ctx, created, `service account ${name}`);
    });

  tokens
    .command('ls <name>')
    .description('List a service account’s tokens')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const path = { service_account: name };
      await printList(
        ctx,
        ctx.client().paginate('/api/v1/service-accounts/{service_account}/tokens', { params: { path } }),
        TOKEN_COLUMNS,
      );
    });

  tokens
    .command('delete <name> <token-id>')
    .alias('rm')
    .description('Revoke a service account token')
    .action(async (name: string, id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().delete('/api/v1/service-accounts/{service_account}/tokens/{token_id}', {
        params: { path: { service_account: name, token_id: id } },
      });
      printDone(ctx, `revoked token ${id} of service account ${name}`, {
        deleted: 'token',
        id,
        service_account: name,
      });
    });
}
