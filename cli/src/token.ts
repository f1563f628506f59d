/**
 * `border0 token`: admin API tokens. Also the token table and the once-only printing of a new token, which
 * the connector and service-account commands share.
 */
import type { Schema } from '@border0/sdk';
import { type Command, Option } from 'commander';
import { type Context, contextOf } from './context.js';
import { expiresAt } from './options.js';
import { type Column, printDone, printJson, printLine, printList } from './output.js';

type Token = Schema<'Token'>;

export const ROLES = ['owner', 'admin', 'member', 'read_only', 'client'];

export const TOKEN_COLUMNS: Column<Token>[] = [
  ['ID', (t) => t.id],
  ['NAME', (t) => t.name],
  ['ROLE', (t) => t.role],
  ['EXPIRES', (t) => t.expires_at],
  ['LAST USED', (t) => t.last_used_at],
  ['CREATED', (t) => t.created_at],
];

/** The secret exists only in this answer: print it plainly, and say so on stderr where it cannot be piped away. */
export function printNewToken(ctx: Context, created: Schema<'TokenCreated'>, owner: string): void {
  if (ctx.output === 'json') printJson(created);
  else {
    printLine(
      `token ${created.name} (${created.id}) for ${owner}, expires ${created.expires_at ?? 'never'}:`,
    );
    console.log(created.token);
  }
  console.error('warning: this token is shown only once; store it now, it cannot be retrieved later');
}

export const defaultTokenName = (now = new Date()) => `cli ${now.toISOString().slice(0, 10)}`;

export const expiresInOption = () =>
  new Option('--expires-in <duration>', 'lifetime, e.g. 30d, 12h or 2w (default: 90 days, at most a year)');

export function registerTokenCommands(program: Command): void {
  const group = program.command('token').description('Admin API tokens of your account');

  group
    .command('ls')
    .description('List your admin tokens')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await printList(ctx, ctx.client().paginate('/api/v1/tokens'), TOKEN_COLUMNS);
    });

  group
    .command('create')
    .description('Create an admin token (its role is at most your own)')
    .requiredOption('--name <name>', 'what the token is for')
    .addOption(new Option('--role <role>', 'the token’s role').choices(ROLES).makeOptionMandatory())
    .addOption(expiresInOption())
    .action(async (options: { name: string; role: Token['role']; expiresIn?: string }, command: Command) => {
      const ctx = contextOf(command);
      const expires_at = expiresAt(options.expiresIn);
      const created = await ctx.client().post('/api/v1/tokens', {
        body: { name: options.name, role: options.role, ...(expires_at && { expires_at }) },
      });
      printNewToken(ctx, created, `role ${created.role}`);
    });

  group
    .command('delete <id>')
    .alias('rm')
    .description('Revoke an admin token')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().delete('/api/v1/tokens/{token_id}', { params: { path: { token_id: id } } });
      printDone(ctx, `revoked token ${id}`, { deleted: 'token', id });
    });
}
