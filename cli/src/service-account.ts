/** `border0 service-account`: non-human identities (CI, scripts) and their expiring tokens. */
import type { Schema } from '@border0/sdk';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { contextOf } from './context.js';
import { expiresAt } from './options.js';
import { type Column, printDone, printItem, printList } from './output.js';
import { defaultTokenName, expiresInOption, printNewToken, ROLES, TOKEN_COLUMNS } from './token.js';

type ServiceAccount = Schema<'ServiceAccount'>;
type WebIdentity = Schema<'WebIdentity'>;

const TRUST_COLUMNS: Column<WebIdentity>[] = [
  ['NAME', (t) => t.name],
  ['ISSUER', (t) => t.issuer],
  ['AUDIENCE', (t) => t.audience],
  ['SUBJECT', (t) => t.subject],
  [
    'CLAIMS',
    (t) =>
      Object.entries(t.claims)
        .map(([name, pattern]) => `${name}=${pattern}`)
        .join(' '),
  ],
];

/** `--claim name=pattern`, repeatable. */
function collectClaim(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('give a claim as name=pattern, e.g. repository=acme/app');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

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

  const trust = group
    .command('trust')
    .description(
      'OIDC issuers (e.g. a CI system) whose tokens log in as a service account: border0 login --web-identity-token',
    );

  trust
    .command('add <name>')
    .description('Trust an issuer’s tokens whose audience, subject and claims match')
    .requiredOption(
      '--issuer <url>',
      'the issuer (iss), an https URL, e.g. https://token.actions.githubusercontent.com',
    )
    .requiredOption('--audience <aud>', 'what the token’s aud must name')
    .requiredOption('--subject <pattern>', 'what the token’s sub must be; * stands for any run of characters')
    .option('--claim <name=pattern>', 'a further claim the token must carry (repeatable)', collectClaim)
    .option('--name <name>', 'a name for this trust (default: the issuer’s host name, as a DNS label)')
    .action(
      async (
        name: string,
        options: {
          issuer: string;
          audience: string;
          subject: string;
          claim?: Record<string, string>;
          name?: string;
        },
        command: Command,
      ) => {
        const ctx = contextOf(command);
        const created = await ctx.client().post('/api/v1/service-accounts/{service_account}/web-identities', {
          params: { path: { service_account: name } },
          body: {
            name: options.name ?? defaultTrustName(options.issuer),
            issuer: options.issuer,
            audience: options.audience,
            subject: options.subject,
            ...(options.claim && { claims: options.claim }),
          },
        });
        printItem(ctx, created, [
          ['id', (t) => t.id],
          ...TRUST_COLUMNS.map(([h, f]) => [h.toLowerCase(), f] as const),
        ]);
      },
    );

  trust
    .command('ls <name>')
    .description('List the issuers a service account trusts')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const path = { service_account: name };
      await printList(
        ctx,
        ctx
          .client()
          .paginate('/api/v1/service-accounts/{service_account}/web-identities', { params: { path } }),
        TRUST_COLUMNS,
      );
    });

  trust
    .command('delete <name> <trust>')
    .alias('rm')
    .description(
      'Stop trusting an issuer (by trust name or id); the tokens exchanged through it stop working',
    )
    .action(async (name: string, ref: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().delete('/api/v1/service-accounts/{service_account}/web-identities/{web_identity}', {
        params: { path: { service_account: name, web_identity: ref } },
      });
      printDone(ctx, `service account ${name} no longer trusts ${ref}`, {
        deleted: 'web_identity',
        name: ref,
        service_account: name,
      });
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

/** A DNS label from the issuer's host: `token.actions.githubusercontent.com` → `token-actions-githubusercontent-com`. */
function defaultTrustName(issuer: string): string {
  let host = issuer;
  try {
    host = new URL(issuer).hostname;
  } catch {}
  const label = host
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return label || 'issuer';
}
