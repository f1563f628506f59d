/** `border0 group`: named sets of members that policies can name in their `who` condition. */
import type { Schema } from '@border0/sdk';
import type { Command } from 'commander';
import { contextOf } from './context.js';
import { type Column, printDone, printItem, printList } from './output.js';

type Group = Schema<'Group'>;

const emails = (g: Group) => g.members.map((m) => m.email);
const FIELDS: Column<Group>[] = [
  ['id', (g) => g.id],
  ['name', (g) => g.name],
  ['description', (g) => g.description],
  ['members', emails],
  ['created', (g) => g.created_at],
];

export function registerGroupCommands(program: Command): void {
  const group = program.command('group').description('Groups of members, for policies');

  group
    .command('ls')
    .description('List groups')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await printList(ctx, ctx.client().paginate('/api/v1/groups'), [
        ['NAME', (g) => g.name],
        ['MEMBERS', emails],
        ['DESCRIPTION', (g) => g.description],
        ['ID', (g) => g.id],
      ]);
    });

  group
    .command('show <group>')
    .description('Show a group (by name or id) and its members')
    .action(async (ref: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      printItem(
        ctx,
        await ctx.client().get('/api/v1/groups/{group}', { params: { path: { group: ref } } }),
        FIELDS,
      );
    });

  group
    .command('create <name>')
    .description('Create a group')
    .option('--description <text>', 'who is in it')
    .action(async (name: string, options: { description?: string }, command: Command) => {
      const ctx = contextOf(command);
      printItem(ctx, await ctx.client().post('/api/v1/groups', { body: { name, ...options } }), FIELDS);
    });

  group
    .command('delete <group>')
    .alias('rm')
    .description('Delete a group')
    .action(async (ref: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().delete('/api/v1/groups/{group}', { params: { path: { group: ref } } });
      printDone(ctx, `deleted group ${ref}`, { deleted: 'group', group: ref });
    });

  group
    .command('add-member <group> <email>')
    .description('Add a member of the organization to a group')
    .action(async (ref: string, email: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const updated = await ctx.client().post('/api/v1/groups/{group}/members', {
        params: { path: { group: ref } },
        body: { email },
      });
      printItem(ctx, updated, FIELDS);
    });

  group
    .command('remove-member <group> <email>')
    .description('Remove a member from a group')
    .action(async (ref: string, email: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().delete('/api/v1/groups/{group}/members/{member}', {
        params: { path: { group: ref, member: email } },
      });
      printDone(ctx, `removed ${email} from group ${ref}`, { removed: email, group: ref });
    });
}
