/**
 * A device login's tokens on this machine: the access token lives an hour, so before it runs out the CLI
 * trades the refresh token for the next pair. Refresh tokens are single use and a reused one ends the
 * login on the server, so two border0 processes must never refresh at once: a lock file in the config
 * directory serialises them, and whoever comes second finds the fresh pair already stored.
 */
import { closeSync, openSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Border0Error, createClient } from '@border0/sdk';
import { readConfig, type StoredOrganization, withOrganization, writeConfig } from './config.js';
import { CliError } from './errors.js';

/** Refresh when less than this is left, so a request never leaves with a token about to expire. */
const REFRESH_BEFORE_MS = 2 * 60 * 1000;
const LOCK_WAIT_MS = 15_000;
/** A lock older than this was left by a process that died while refreshing. */
const STALE_LOCK_MS = 30_000;

export interface DeviceTokenBody {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  login_expires_at: string;
  organization: string;
  email: string;
}

/** What the config file keeps of a device login's tokens. */
export function storedLogin(apiUrl: string, tokens: DeviceTokenBody): StoredOrganization {
  return {
    token: tokens.access_token,
    api_url: apiUrl,
    email: tokens.email,
    refresh_token: tokens.refresh_token,
    expires_at: new Date(Date.now() + tokens.expires_in * 1000).toISOString(),
    login_expires_at: tokens.login_expires_at,
  };
}

const due = (stored: StoredOrganization) =>
  stored.refresh_token !== undefined &&
  (stored.expires_at === undefined || Date.parse(stored.expires_at) - Date.now() < REFRESH_BEFORE_MS);

/**
 * An SDK client for the token endpoints, which take no bearer token. The SDK never repeats them (one-time
 * actions, unmarked in the spec): a refresh token is single use, and presenting it twice ends the login.
 */
export const anonymousClient = (apiUrl: string) =>
  createClient({ baseUrl: apiUrl, token: '', headers: { 'user-agent': 'border0-cli' } });

/** The access token of `organization`, refreshed first when it is about to expire. */
export async function currentAccessToken(dir: string, organization: string): Promise<string | undefined> {
  const stored = readConfig(dir).organizations?.[organization];
  if (!stored || !due(stored)) return stored?.token;
  return withLock(dir, async () => {
    // Another process may have refreshed while this one waited for the lock.
    const config = readConfig(dir);
    const latest = config.organizations?.[organization];
    if (!latest?.refresh_token || !due(latest)) return latest?.token;
    const apiUrl = latest.api_url ?? config.api_url;
    if (!apiUrl)
      throw new CliError(`the login of ${organization} names no API; run border0 client login again`);
    let tokens: DeviceTokenBody;
    try {
      tokens = await anonymousClient(apiUrl).post('/api/v1/auth/token', {
        body: { grant_type: 'refresh_token', refresh_token: latest.refresh_token },
      });
    } catch (error) {
      if (error instanceof Border0Error && error.code === 'invalid_grant') {
        throw new CliError(
          `the login to ${organization} ended; run border0 client login --org ${organization}`,
        );
      }
      throw error;
    }
    const current = readConfig(dir).current_organization === organization;
    writeConfig(dir, withOrganization(readConfig(dir), organization, storedLogin(apiUrl, tokens), current));
    return tokens.access_token;
  });
}

/** Ends the stored login on the server (refresh and access tokens); a plain token is left alone. */
export async function revokeStoredLogin(apiUrl: string, stored: StoredOrganization): Promise<void> {
  if (!stored.refresh_token) return;
  await anonymousClient(stored.api_url ?? apiUrl).post('/api/v1/auth/revoke', {
    body: { token: stored.refresh_token },
  });
}

async function withLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(dir, 'refresh.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockAge(lock) > STALE_LOCK_MS) rmSync(lock, { force: true });
      else if (Date.now() > deadline)
        throw new CliError(`another border0 holds ${lock}; remove it if none runs`);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

function lockAge(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
