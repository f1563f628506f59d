/**
 * What every command needs: the effective settings (flags, then BORDER0_* environment, then the config file)
 * and an SDK client built from them.
 */
import { type Border0Client, createClient, type TokenProvider } from '@border0/sdk';
import type { Command } from 'commander';
import { type ConfigFile, configDir, readConfig, writeConfig } from './config.js';
import { CliError, UsageError } from './errors.js';
import { currentAccessToken } from './login-session.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:6080';
export type OutputFormat = 'table' | 'json';

export interface GlobalOptions {
  apiUrl?: string;
  token?: string;
  output?: string;
  org?: string;
}

export interface Settings {
  apiUrl: string;
  token: string | undefined;
  output: OutputFormat;
  /** The stored organization in use, when the token comes from the config file. */
  organization: string | undefined;
  /** The token is a device login's stored access token, renewed with its refresh token when due. */
  refreshable: boolean;
}

/** Pure precedence rules, kept apart from the file system so they can be tested on their own. */
export function resolveSettings(flags: GlobalOptions, env: NodeJS.ProcessEnv, config: ConfigFile): Settings {
  const output = flags.output ?? env.BORDER0_OUTPUT ?? 'table';
  if (output !== 'table' && output !== 'json') {
    throw new UsageError(`--output must be table or json, not ${JSON.stringify(output)}`);
  }
  const organization = flags.org ?? config.current_organization;
  const stored = organization ? config.organizations?.[organization] : undefined;
  if (flags.org && !stored) {
    throw new UsageError(`no stored token for organization ${flags.org} (border0 login --token <token>)`);
  }
  const apiUrl = flags.apiUrl ?? env.BORDER0_API_URL ?? stored?.api_url ?? config.api_url ?? DEFAULT_API_URL;
  const token = flags.token ?? env.BORDER0_TOKEN ?? stored?.token;
  return {
    apiUrl: apiUrl.replace(/\/+$/, ''),
    token,
    output,
    organization: stored ? organization : undefined,
    refreshable: stored?.refresh_token !== undefined && token === stored.token,
  };
}

export class Context {
  readonly settings: Settings;
  readonly configDir: string;
  private cachedClient: Border0Client | undefined;

  constructor(flags: GlobalOptions, env: NodeJS.ProcessEnv = process.env) {
    this.configDir = configDir(env);
    this.settings = resolveSettings(flags, env, this.readConfig());
  }

  get output(): OutputFormat {
    return this.settings.output;
  }

  readConfig(): ConfigFile {
    return readConfig(this.configDir);
  }

  writeConfig(config: ConfigFile): void {
    writeConfig(this.configDir, config);
  }

  /** Who the CLI acts as, for per-identity files: the device login's person, else the token itself. */
  identity(): string {
    const { organization, token } = this.settings;
    const stored = organization ? this.readConfig().organizations?.[organization] : undefined;
    if (this.settings.refreshable && stored?.email) return `login:${stored.email}`;
    if (!token) throw new CliError('not logged in: run `border0 client login` or set BORDER0_TOKEN');
    return `token:${token}`;
  }

  /** A client for the effective API URL and token; fails early, with a hint, when there is no token. */
  client(): Border0Client {
    if (!this.settings.token) {
      throw new CliError('not logged in: run `border0 login --token <token>` or set BORDER0_TOKEN');
    }
    const { organization, refreshable, token } = this.settings;
    this.cachedClient ??= clientFor(
      this.settings.apiUrl,
      refreshable && organization ? () => currentAccessToken(this.configDir, organization) : token,
    );
    return this.cachedClient;
  }
}

export function clientFor(apiUrl: string, token: string | TokenProvider): Border0Client {
  return createClient({ baseUrl: apiUrl, token, headers: { 'user-agent': 'border0-cli' } });
}

/** The context of the command being run: commander hands each action its own Command. */
export function contextOf(command: Command): Context {
  return new Context(command.optsWithGlobals<GlobalOptions>());
}
