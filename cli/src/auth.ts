/** `border0 login`, `logout` and `whoami`: which token the CLI uses, stored per organization. */
import type { Command } from 'commander';
import { withOrganization, withoutOrganization } from './config.js';
import { clientFor, contextOf } from './context.js';
import { CliError, UsageError } from './errors.js';
import { printDone, printItem } from './output.js';

export function registerAuthCommands(program: Command): void {
  program
    .command('login')
    .description('Check a token (--token or BORDER0_TOKEN) and store it for its organization, made current')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { token, apiUrl } = ctx.settings;
      if (!token)
        throw new UsageError('login needs a token: border0 login --token <token> [--api-url <url>]');
      const org = await clientFor(apiUrl, token).get('/api/v1/organizations/{organization}', {
        params: { path: { organization: 'current' } },
      });
      ctx.writeConfig(withOrganization(ctx.readConfig(), org.name, { token, api_url: apiUrl }, true));
      printDone(ctx, `logged in to ${org.name} as ${org.role} at ${apiUrl}`, {
        organization: org.name,
        role: org.role,
        api_url: apiUrl,
      });
    });

  program
    .command('logout')
    .description('Forget the stored token of the current organization (or of --org)')
    .action((_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const config = ctx.readConfig();
      const name = ctx.settings.organization;
      if (!name) throw new CliError('not logged in to any organization');
      const next = withoutOrganization(config, name);
      ctx.writeConfig(next);
      const now = next.current_organization ? `; current organization: ${next.current_organization}` : '';
      printDone(ctx, `logged out of ${name}${now}`, {
        logged_out: name,
        current_organization: next.current_organization ?? null,
      });
    });

  program
    .command('whoami')
    .description('Show the organization and role of the token in use')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const org = await ctx.client().get('/api/v1/organizations/{organization}', {
        params: { path: { organization: 'current' } },
      });
      const { apiUrl } = ctx.settings;
      printItem(ctx, { ...org, api_url: apiUrl }, [
        ['organization', (o) => o.name],
        ['domain', (o) => o.domain],
        ['role', (o) => o.role],
        ['api', (o) => o.api_url],
      ]);
    });
}
