/** `border0 member`: the people of the organization and their roles. */
import type { Schema } from '@border0/sdk';
import { type Command, Option } from 'commander';
import { contextOf } from './context.js';
import { type Column, printDone, printItem, printList } from './output.js';
import { readSecret } from './secret-input.js';
import { ROLES } from './token.js';

type Member = Schema<'Member'>;

const COLUMNS: Column<Member>[] = [
  ['EMAIL', (m) => m.email],
  ['ROLE', (m) => m.role],
  ['NAME', (m) => m.display_name],
  ['SINCE', (m) => m.created_at],
];
const FIELDS: Column<Member>[] = [
  ['user id', (m) => m.user_id],
  ...COLUMNS.map(([h, f]) => [h.toLowerCase(), f] as const),
];

const roleOption = () =>
  new Option('--role <role>', 'the member’s role').choices(ROLES).makeOptionMandatory();

export function registerMemberCommands(program: Command): void {
  const group = program.command('member').description('Members: the people of the organization');

  group
    .command('ls')
    .description('List members')
    .addOption(new Option('--role <role>', 'only members with this role').choices(ROLES))
    .option('--search <text>', 'only members whose email contains this')
    .action(async (options: { role?: Member['role']; search?: string }, command: Command) => {
      const ctx = contextOf(command);
      await printList(ctx, ctx.client().paginate('/api/v1/members', { params: { query: options } }), COLUMNS);
    });

  group
    .command('add <email>')
    .description(
      'Add a person with an account of this organization (to bring in someone with an account elsewhere: border0 invitation create)',
    )
    .addOption(roleOption())
    .action(async (email: string, options: { role: Member['role'] }, command: Command) => {
      const ctx = contextOf(command);
      printItem(
        ctx,
        await ctx.client().post('/api/v1/members', { body: { email, role: options.role } }),
        FIELDS,
      );
    });

  group
    .command('update <email>')
    .description('Change a member’s role')
    .addOption(roleOption())
    .action(async (member: string, options: { role: Member['role'] }, command: Command) => {
      const ctx = contextOf(command);
      const updated = await ctx.client().patch('/api/v1/members/{member}', {
        params: { path: { member } },
        body: { role: options.role },
      });
      printItem(ctx, updated, FIELDS);
    });

  group
    .command('password <email>')
    .description(
      'Set the password of a member whose account this organization made (read from standard input, or prompted)',
    )
    .action(async (member: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const password = await readSecret(`new password for ${member}: `);
      await ctx.client().put('/api/v1/members/{member}/password', {
        params: { path: { member } },
        body: { password },
      });
      printDone(ctx, `set the password of ${member}`, { password_set: member });
    });

  group
    .command('remove <email>')
    .alias('rm')
    .description('Remove a person from the organization')
    .action(async (member: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().delete('/api/v1/members/{member}', { params: { path: { member } } });
      printDone(ctx, `removed member ${member}`, { deleted: 'member', member });
    });
}
