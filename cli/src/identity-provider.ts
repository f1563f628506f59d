/**
 * `border0 identity-provider`: the organization's OIDC identity providers, through which its people log in
 * to HTTP sockets. The client secret is read from standard input (or a prompt), never from an argument, and
 * never shown: `client secret` says only whether one is stored.
 */
import type { Schema } from '@border0/sdk';
import type { Command } from 'commander';
import { contextOf } from './context.js';
import { UsageError } from './errors.js';
import { type Column, printDone, printItem, printList } from './output.js';
import { readSecret } from './secret-input.js';

type IdentityProvider = Schema<'IdentityProvider'>;

const FIELDS: Column<IdentityProvider>[] = [
  ['id', (p) => p.id],
  ['name', (p) => p.name],
  ['display name', (p) => p.display_name],
  ['issuer', (p) => p.issuer],
  ['client id', (p) => p.client_id],
  ['client secret', (p) => (p.client_secret_set ? 'set' : 'none')],
  ['scopes', (p) => p.scopes.join(' ')],
  ['email claim', (p) => p.email_claim],
  ['groups claim', (p) => p.groups_claim],
  ['enabled', (p) => String(p.enabled)],
  ['created', (p) => p.created_at],
];

interface Flags {
  displayName?: string;
  issuer?: string;
  clientId?: string;
  clientSecretStdin?: boolean;
  removeClientSecret?: boolean;
  scopes?: string;
  emailClaim?: string;
  groupsClaim?: string;
  enabled?: boolean;
}

/** What the flags set, for a create or an update body. */
async function bodyOf(flags: Flags, name: string) {
  if (flags.clientSecretStdin && flags.removeClientSecret) {
    throw new UsageError('--client-secret-stdin and --remove-client-secret contradict each other');
  }
  const secret = flags.clientSecretStdin ? await readSecret(`client secret of ${name}: `) : undefined;
  return {
    ...(flags.displayName !== undefined && { display_name: flags.displayName }),
    ...(flags.issuer !== undefined && { issuer: flags.issuer }),
    ...(flags.clientId !== undefined && { client_id: flags.clientId }),
    ...(secret !== undefined && { client_secret: secret }),
    ...(flags.scopes !== undefined && { scopes: flags.scopes.split(/[\s,]+/).filter(Boolean) }),
    ...(flags.emailClaim !== undefined && { email_claim: flags.emailClaim }),
    ...(flags.groupsClaim !== undefined && { groups_claim: flags.groupsClaim }),
    ...(flags.enabled !== undefined && { enabled: flags.enabled }),
  };
}

function describeFlags(command: Command): Command {
  return command
    .option('--display-name <text>', 'the label of the login button')
    .option('--client-secret-stdin', 'read the client secret from standard input (or a prompt)')
    .option('--scopes <list>', 'scopes to ask for, space- or comma-separated (default: openid email profile)')
    .option('--email-claim <claim>', 'the claim holding the email (default: email)')
    .option('--groups-claim <claim>', 'the claim naming organization groups (default: groups)');
}

export function registerIdentityProviderCommands(program: Command): void {
  const group = program
    .command('identity-provider')
    .alias('idp')
    .description('OIDC identity providers people of the organization log in through');

  group
    .command('ls')
    .description('List identity providers')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await printList(ctx, ctx.client().paginate('/api/v1/identity-providers'), [
        ['NAME', (p) => p.name],
        ['ISSUER', (p) => p.issuer],
        ['CLIENT ID', (p) => p.client_id],
        ['ENABLED', (p) => String(p.enabled)],
        ['ID', (p) => p.id],
      ]);
    });

  group
    .command('show <provider>')
    .description('Show an identity provider (by name or id)')
    .action(async (ref: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const path = { identity_provider: ref };
      printItem(
        ctx,
        await ctx.client().get('/api/v1/identity-providers/{identity_provider}', { params: { path } }),
        FIELDS,
      );
    });

  describeFlags(
    group
      .command('create <name>')
      .description('Add an identity provider; register <API URL>/login/oidc/callback as its redirect URI')
      .requiredOption('--issuer <url>', 'the issuer URL (https)')
      .requiredOption('--client-id <id>', 'this client’s id at the provider'),
  )
    .option('--disabled', 'add it without offering it yet')
    .action(async (name: string, flags: Flags & { disabled?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const body = await bodyOf({ ...flags, ...(flags.disabled && { enabled: false }) }, name);
      const created = await ctx.client().post('/api/v1/identity-providers', {
        body: { name, issuer: flags.issuer!, client_id: flags.clientId!, ...body },
      });
      printItem(ctx, created, FIELDS);
    });

  describeFlags(
    group
      .command('update <provider>')
      .description('Change an identity provider')
      .option('--name <name>', 'a new name')
      .option('--issuer <url>', 'the issuer URL (https)')
      .option('--client-id <id>', 'this client’s id at the provider'),
  )
    .option('--remove-client-secret', 'make it a public client (PKCE only)')
    .option('--enable', 'offer it on the login page')
    .option('--disable', 'stop offering it')
    .action(
      async (
        ref: string,
        flags: Flags & { name?: string; enable?: boolean; disable?: boolean },
        command: Command,
      ) => {
        const ctx = contextOf(command);
        if (flags.enable && flags.disable)
          throw new UsageError('--enable and --disable contradict each other');
        const enabled = flags.enable ? true : flags.disable ? false : undefined;
        const body = {
          ...(await bodyOf({ ...flags, enabled }, ref)),
          ...(flags.name !== undefined && { name: flags.name }),
          ...(flags.removeClientSecret && { client_secret: null }),
        };
        const updated = await ctx.client().patch('/api/v1/identity-providers/{identity_provider}', {
          params: { path: { identity_provider: ref } },
          body,
        });
        printItem(ctx, updated, FIELDS);
      },
    );

  group
    .command('delete <provider>')
    .alias('rm')
    .description('Delete an identity provider (logins already made stay)')
    .action(async (ref: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().delete('/api/v1/identity-providers/{identity_provider}', {
        params: { path: { identity_provider: ref } },
      });
      printDone(ctx, `deleted identity provider ${ref}`, {
        deleted: 'identity_provider',
        identity_provider: ref,
      });
    });
}
