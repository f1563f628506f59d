/**
 * `border0 login --web-identity-token <jwt>` (or `--web-identity-token-file <path>`, or the environment):
 * trades a CI system's OIDC token for a short-lived token of a service account that trusts the issuer
 * (`POST /auth/web-identity`), and stores it for the organization, made current. No long-lived secret: the
 * CI job logs in again with a fresh OIDC token when the token (15 minutes) runs out.
 */
import { readFileSync } from 'node:fs';
import { withOrganization } from './config.js';
import type { Context } from './context.js';
import { UsageError } from './errors.js';
import { anonymousClient } from './login-session.js';
import { printDone } from './output.js';

export interface WebIdentityOptions {
  webIdentityToken?: string;
  webIdentityTokenFile?: string;
  serviceAccount?: string;
}

/** The OIDC token to exchange, if any was given: flag, file flag, then BORDER0_WEB_IDENTITY_TOKEN(_FILE). */
export function webIdentityTokenOf(options: WebIdentityOptions, env: NodeJS.ProcessEnv): string | undefined {
  const file = options.webIdentityTokenFile ?? env.BORDER0_WEB_IDENTITY_TOKEN_FILE;
  const token =
    options.webIdentityToken ??
    (options.webIdentityTokenFile === undefined ? env.BORDER0_WEB_IDENTITY_TOKEN : undefined) ??
    (file === undefined ? undefined : readTokenFile(file));
  return token?.trim();
}

function readTokenFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the web identity token file ${path}: ${(error as Error).message}`);
  }
}

export async function webIdentityLogin(
  ctx: Context,
  token: string,
  organization: string | undefined,
  serviceAccount: string | undefined,
): Promise<void> {
  if (!organization || !serviceAccount) {
    throw new UsageError(
      'a web identity login names its service account: border0 login --web-identity-token <jwt> ' +
        '--org <organization> --service-account <name>',
    );
  }
  const { apiUrl } = ctx.settings;
  const issued = await anonymousClient(apiUrl).post('/api/v1/auth/web-identity', {
    body: { organization, service_account: serviceAccount, token },
  });
  ctx.writeConfig(
    withOrganization(
      ctx.readConfig(),
      issued.organization,
      { token: issued.access_token, api_url: apiUrl, expires_at: issued.expires_at },
      true,
    ),
  );
  printDone(
    ctx,
    `logged in to ${issued.organization} as service account ${issued.service_account} (${issued.role}) ` +
      `until ${issued.expires_at}`,
    {
      organization: issued.organization,
      service_account: issued.service_account,
      role: issued.role,
      expires_at: issued.expires_at,
      api_url: apiUrl,
    },
  );
}
