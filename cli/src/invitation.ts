/**
 * `border0 invitation`: inviting a person who already has an account (they join with it only when they
 * accept), listing and revoking invitations, and accepting one with one's own account.
 */
import type { Schema } from '@border0/sdk';
import { type Command, Option } from 'commander';
import { contextOf } from './context.js';
import { type Column, printDone, printItem, printList } from './output.js';
import { ROLES } from './token.js';

type Invitation = Schema<'Invitation'>;

const COLUMNS: Column<Invitation>[] = [
  ['ID', (i) => i.id],
  ['EMAIL', (i) => i.email],
  ['ROLE', (i) => i.role],
  ['STATUS', (i) => i.status],
  ['EXPIRES', (i) => i.expires_at],
];

export function registerInvitationCommands(program: Command): void {
  const group = program
    .command('invitation')
    .description('Invitations: people who have an account join the organization when they accept');

  group
    .command('create <email>')
    .description('Invite a person; give them the code it prints (shown once)')
    .addOption(new Option('--role <role>', 'the role they get').choices(ROLES).makeOptionMandatory())
    .action(async (email: string, options: { role: Invitation['role'] }, command: Command) => {
      const ctx = contextOf(command);
      const created = await ctx.client().post('/api/v1/invitations', { body: { email, role: options.role } });
      printItem(ctx, created, [
        ...COLUMNS.map(([h, f]) => [h.toLowerCase(), f] as const),
        ['code', () => created.code],
        ['accept with', () => `border0 invitation accept ${created.code}`],
      ]);
    });

  group
    .command('ls')
    .description('List the organization’s invitations, newest first')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await printList(ctx, ctx.client().paginate('/api/v1/invitations'), COLUMNS);
    });

  group
    .command('revoke <id>')
    .description('Revoke a pending invitation')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx
        .client()
        .delete('/api/v1/invitations/{invitation_id}', { params: { path: { invitation_id: id } } });
      printDone(ctx, `revoked invitation ${id}`, { revoked: 'invitation', id });
    });

  group
    .command('accept <code>')
    .description('Join the organization that invited you, with the account you are logged in with')
    .action(async (code: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const joined = await ctx.client().post('/api/v1/invitations/accept', { body: { code } });
      printDone(
        ctx,
        `joined ${joined.organization.name} as ${joined.role}; log in to it with: border0 client login --org ${joined.organization.name}`,
        joined,
      );
    });
}
