/** `border0 login`, `logout` and `whoami`: which token the CLI uses, stored per organization. */
import type { Command } from 'commander';
import { logout } from './client-login.js';
import { withOrganization } from './config.js';
import { Context, clientFor, contextOf, type GlobalOptions } from './context.js';
import { UsageError } from './errors.js';
import { printDone, printItem } from './output.js';
import { type WebIdentityOptions, webIdentityLogin, webIdentityTokenOf } from './web-identity-login.js';

export function registerAuthCommands(program: Command): void {
  program
    .command('login')
    .description(
      'Check a token (--token or BORDER0_TOKEN) and store it for its organization, made current; or trade a ' +
        'CI system’s OIDC token for a service account’s (--web-identity-token, with --org and --service-account)',
    )
    .option(
      '--web-identity-token <jwt>',
      'an OIDC token of an issuer the service account trusts (env BORDER0_WEB_IDENTITY_TOKEN)',
    )
    .option(
      '--web-identity-token-file <path>',
      'read that OIDC token from a file (env BORDER0_WEB_IDENTITY_TOKEN_FILE)',
    )
    .option('--service-account <name>', 'the service account to log in as (env BORDER0_SERVICE_ACCOUNT)')
    .action(async (options: WebIdentityOptions, command: Command) => {
      const webIdentityToken = webIdentityTokenOf(options, process.env);
      if (webIdentityToken !== undefined) {
        // --org names the organization to log in to, which need not have a stored token yet.
        const { org, ...flags } = command.optsWithGlobals<GlobalOptions>();
        const serviceAccount = options.serviceAccount ?? process.env.BORDER0_SERVICE_ACCOUNT;
        return webIdentityLogin(new Context(flags), webIdentityToken, org, serviceAccount);
      }
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
    .description(
      'Forget the stored token of the current organization (or of --org); a device login also ends',
    )
    .action((_options: unknown, command: Command) => logout(contextOf(command)));

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
