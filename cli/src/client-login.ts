/**
 * `border0 client login` (RFC 8628 device login): starts a login, shows the code and the page to enter it
 * on, polls until the person approves, and stores the person's token (12 hours, no refresh yet) for its
 * organization, made current. `client login status` shows it; `client logout` forgets it.
 */
import type { Command } from 'commander';
import { withOrganization, withoutOrganization } from './config.js';
import { Context, contextOf, type GlobalOptions } from './context.js';
import { CliError } from './errors.js';
import { printDone, printItem } from './output.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const SLOW_DOWN_SECONDS = 5;

interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

interface DeviceToken {
  access_token: string;
  token_type: string;
  expires_in: number;
  organization: string;
  email: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function postJson(
  apiUrl: string,
  path: string,
  body: unknown,
): Promise<{ status: number; json: unknown }> {
  let res: Response;
  try {
    res = await fetch(`${apiUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'border0-cli' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new CliError(`cannot reach the API at ${apiUrl}: ${(error as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`the API at ${apiUrl} answered ${res.status} with something other than JSON`);
  }
  return { status: res.status, json };
}

function describeError(json: unknown): string {
  const body = json as { error?: string; error_description?: string; detail?: string };
  return body.error_description ?? body.detail ?? body.error ?? 'unexpected answer';
}

/** Runs the device flow against `apiUrl` and returns the token; `say` shows the person what to do. */
export async function deviceLogin(
  apiUrl: string,
  organization: string | undefined,
  say: (line: string) => void,
): Promise<DeviceToken> {
  const started = await postJson(apiUrl, '/api/v1/auth/device', organization ? { organization } : {});
  if (started.status !== 200) throw new CliError(`cannot start the login: ${describeError(started.json)}`);
  const device = started.json as DeviceAuthorization;
  say(`Open ${device.verification_uri_complete} and enter code ${device.user_code}`);
  const deadline = Date.now() + device.expires_in * 1000;
  let interval = device.interval;
  while (Date.now() < deadline) {
    await sleep(interval * 1000);
    const polled = await postJson(apiUrl, '/api/v1/auth/token', {
      grant_type: DEVICE_GRANT,
      device_code: device.device_code,
    });
    if (polled.status === 200) return polled.json as DeviceToken;
    const error = (polled.json as { error?: string }).error;
    if (error === 'authorization_pending') continue;
    if (error === 'slow_down') {
      interval += SLOW_DOWN_SECONDS;
      continue;
    }
    if (error === 'access_denied') throw new CliError('the login was denied');
    if (error === 'expired_token') break;
    throw new CliError(`login failed: ${describeError(polled.json)}`);
  }
  throw new CliError('the code expired before it was approved; run border0 client login again');
}

export function registerClientLoginCommands(group: Command): void {
  const login = group
    .command('login')
    .description('Log in as a person in the browser (device login); --org picks the organization')
    .action(async (_options: unknown, command: Command) => {
      // --org names the organization to log in to, which need not have a stored token yet.
      const { org, ...flags } = command.optsWithGlobals<GlobalOptions>();
      const ctx = new Context(flags);
      const { apiUrl } = ctx.settings;
      const say = (line: string) => (ctx.output === 'json' ? console.error(line) : console.log(line));
      const token = await deviceLogin(apiUrl, org, say);
      ctx.writeConfig(
        withOrganization(
          ctx.readConfig(),
          token.organization,
          { token: token.access_token, api_url: apiUrl, email: token.email },
          true,
        ),
      );
      printDone(ctx, `logged in to ${token.organization} as ${token.email}`, {
        organization: token.organization,
        email: token.email,
        api_url: apiUrl,
        expires_in: token.expires_in,
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
    .description('Forget the stored token of the current organization (or of --org) on this machine')
    .action((_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const name = ctx.settings.organization;
      if (!name) throw new CliError('not logged in to any organization');
      const next = withoutOrganization(ctx.readConfig(), name);
      ctx.writeConfig(next);
      const now = next.current_organization ? `; current organization: ${next.current_organization}` : '';
      printDone(ctx, `logged out of ${name}${now}`, {
        logged_out: name,
        current_organization: next.current_organization ?? null,
      });
    });
}
