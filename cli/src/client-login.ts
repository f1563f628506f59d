/**
 * `border0 client login` (RFC 8628 device login): starts a login, shows the code and the page to enter it
 * on (and opens it in the browser where there is one), polls until the person approves, and stores the
 * login's tokens for its organization, made current; login-session.ts keeps them fresh.
 * `client login status` shows it; `client logout` ends it on the server and forgets it.
 */
import { spawn } from 'node:child_process';
import { Border0Error } from '@border0/sdk';
import type { Command } from 'commander';
import { withOrganization, withoutOrganization } from './config.js';
import { Context, contextOf, type GlobalOptions } from './context.js';
import { CliError } from './errors.js';
import { anonymousClient, type DeviceTokenBody, revokeStoredLogin, storedLogin } from './login-session.js';
import { printDone, printItem } from './output.js';
import { visible } from './terminal-text.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const SLOW_DOWN_SECONDS = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens `url` in the person's browser where there is one; failing silently is fine, the link is printed. */
export function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
  try {
    const child = spawn(command, args as string[], { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
  } catch {}
}

/** Runs the device flow against `apiUrl` and returns the tokens; `say` shows the person what to do. */
export async function deviceLogin(
  apiUrl: string,
  organization: string | undefined,
  say: (line: string) => void,
  browser: boolean,
): Promise<DeviceTokenBody> {
  const client = anonymousClient(apiUrl);
  const device = await client.post('/api/v1/auth/device', { body: organization ? { organization } : {} });
  say(visible(`Open ${device.verification_uri_complete} and enter code ${device.user_code}`));
  if (browser) openBrowser(device.verification_uri_complete);
  const deadline = Date.now() + device.expires_in * 1000;
  let interval = device.interval;
  while (Date.now() < deadline) {
    await sleep(interval * 1000);
    try {
      return await client.post('/api/v1/auth/token', {
        body: { grant_type: DEVICE_GRANT, device_code: device.device_code },
      });
    } catch (error) {
      const code = error instanceof Border0Error ? error.code : undefined;
      if (code === 'authorization_pending') continue;
      if (code === 'slow_down') {
        interval += SLOW_DOWN_SECONDS;
        continue;
      }
      if (code === 'access_denied') throw new CliError('the login was denied');
      if (code === 'expired_token') break;
      throw error;
    }
  }
  throw new CliError('the code expired before it was approved; run border0 client login again');
}

/** Forgets the stored token of the organization in use, ending a device login on the server first. */
export async function logout(ctx: Context): Promise<void> {
  const name = ctx.settings.organization;
  if (!name) throw new CliError('not logged in to any organization');
  const config = ctx.readConfig();
  const stored = config.organizations?.[name];
  let revoked = '';
  if (stored?.refresh_token) {
    try {
      await revokeStoredLogin(ctx.settings.apiUrl, stored);
      revoked = ' (login ended on the server)';
    } catch (error) {
      // Forgetting locally still matters; the server ends the login by itself when it expires.
      console.error(`border0: could not end the login on the server: ${visible((error as Error).message)}`);
    }
  }
  const next = withoutOrganization(ctx.readConfig(), name);
  ctx.writeConfig(next);
  const now = next.current_organization ? `; current organization: ${next.current_organization}` : '';
  printDone(ctx, `logged out of ${name}${revoked}${now}`, {
    logged_out: name,
    revoked: revoked !== '',
    current_organization: next.current_organization ?? null,
  });
}

export function registerClientLoginCommands(group: Command): void {
  const login = group
    .command('login')
    .description('Log in as a person in the browser (device login); --org picks the organization')
    .option('--no-browser', 'only print the link, do not open a browser')
    .action(async (options: { browser: boolean }, command: Command) => {
      // --org names the organization to log in to, which need not have a stored token yet.
      const { org, ...flags } = command.optsWithGlobals<GlobalOptions>();
      const ctx = new Context(flags);
      const { apiUrl } = ctx.settings;
      const say = (line: string) => (ctx.output === 'json' ? console.error(line) : console.log(line));
      const browser = options.browser && !process.env.BORDER0_NO_BROWSER;
      const token = await deviceLogin(apiUrl, org, say, browser);
      ctx.writeConfig(
        withOrganization(ctx.readConfig(), token.organization, storedLogin(apiUrl, token), true),
      );
      printDone(ctx, `logged in to ${token.organization} as ${token.email}`, {
        organization: token.organization,
        email: token.email,
        api_url: apiUrl,
        login_expires_at: token.login_expires_at,
      });
    });

  login
    .command('status')
    .description('Show the organization, identity and role of the stored login')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const org = await ctx.client().get('/api/v1/organizations/{organization}', {
        params: { path: { organization: 'current' } },
      });
      const stored = ctx.settings.organization
        ? ctx.readConfig().organizations?.[ctx.settings.organization]
        : undefined;
      const identity = stored?.email ?? '(a token, not a device login)';
      printItem(ctx, { organization: org.name, identity, role: org.role, api_url: ctx.settings.apiUrl }, [
        ['organization', (o) => o.organization],
        ['identity', (o) => o.identity],
        ['role', (o) => o.role],
        ['api', (o) => o.api_url],
      ]);
    });

  group
    .command('logout')
    .description(
      'End the login of the current organization (or of --org) and forget its token on this machine',
    )
    .action((_options: unknown, command: Command) => logout(contextOf(command)));
}
