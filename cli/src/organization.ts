/** `border0 organization`: show, list, create organizations, and switch which stored token is current. */
import type { Schema } from '@border0/sdk';
import type { Command } from 'commander';
import { withOrganization } from './config.js';
import { contextOf } from './context.js';
import { CliError } from './errors.js';
import { type Column, printDone, printItem, printList } from './output.js';
import { visible } from './terminal-text.js';

type Organization = Schema<'Organization'>;

const FIELDS: Column<Organization>[] = [
  ['id', (o) => o.id],
  ['name', (o) => o.name],
  ['display name', (o) => o.display_name],
  ['domain', (o) => o.domain],
  ['your role', (o) => o.role],
  ['created', (o) => o.created_at],
];

export function registerOrganizationCommands(program: Command): void {
  const group = program
    .command('organization')
    .alias('org')
    .description('Organizations and their stored tokens');

  group
    .command('show')
    .description('Show the current organization')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const org = await ctx.client().get('/api/v1/organizations/{organization}', {
        params: { path: { organization: 'current' } },
      });
      printItem(ctx, org, FIELDS);
    });

  group
    .command('ls')
    .description('List your organizations (* marks the current one, + one with a stored token)')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const stored = ctx.readConfig().organizations ?? {};
      const current = ctx.settings.organization;
      await printList(ctx, ctx.client().paginate('/api/v1/organizations'), [
        ['', (o) => (o.name === current ? '*' : o.name in stored ? '+' : '')],
        ['NAME', (o) => o.name],
        ['DISPLAY NAME', (o) => o.display_name],
        ['DOMAIN', (o) => o.domain],
        ['ROLE', (o) => o.role],
      ]);
    });

  group
    .command('switch <name>')
    .description('Make the stored token of another organization the current one')
    .action((name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const config = ctx.readConfig();
      if (!config.organizations?.[name]) {
        throw new CliError(`no stored token for organization ${name} (border0 login --token <token>)`);
      }
      ctx.writeConfig({ ...config, current_organization: name });
      printDone(ctx, `current organization: ${name}`, { current_organization: name });
    });

  group
    .command('create <name>')
    .description('Create an organization; its owner token is stored (switch to it with organization switch)')
    .option('--display-name <text>', 'a human name')
    .action(async (name: string, options: { displayName?: string }, command: Command) => {
      const ctx = contextOf(command);
      const created = await ctx.client().post('/api/v1/organizations', {
        body: { name, ...(options.displayName && { display_name: options.displayName }) },
      });
      const { owner_token, ...org } = created;
      const config = ctx.readConfig();
      const entry = { token: owner_token, api_url: ctx.settings.apiUrl };
      ctx.writeConfig(withOrganization(config, org.name, entry, !config.current_organization));
      // The owner token is a secret: it goes to the config file, never to the terminal.
      printItem(ctx, org, FIELDS);
      if (ctx.output === 'table') {
        console.log(
          `\nits owner token is stored; use it with: border0 organization switch ${visible(org.name)}`,
        );
      }
    });
}
