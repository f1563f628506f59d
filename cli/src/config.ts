/**
 * The CLI's YAML configuration (`~/.border0/config.yaml`, or `$BORDER0_CONFIG_DIR/config.yaml`): the API URL
 * and one token per organization. It holds secrets, so the directory is 0700 and the file 0600.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CliError } from './errors.js';

export interface StoredOrganization {
  token: string;
  /** The API this token belongs to, so switching organizations also switches servers. */
  api_url?: string;
  /** The person a device login (`border0 client login`) stored this token for. */
  email?: string;
  /** A device login's refresh token: `token` is then short-lived and renewed with it (login-session.ts). */
  refresh_token?: string;
  /** When `token` expires (ISO 8601), for device logins. */
  expires_at?: string;
  /** When the device login ends: after it, `border0 client login` again. */
  login_expires_at?: string;
}

export interface ConfigFile {
  api_url?: string;
  current_organization?: string;
  organizations?: Record<string, StoredOrganization>;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BORDER0_CONFIG_DIR || join(homedir(), '.border0');
}

export function configPath(dir: string): string {
  return join(dir, 'config.yaml');
}

export function readConfig(dir: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(configPath(dir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  try {
    const parsed: unknown = parse(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a mapping');
    return parsed as ConfigFile;
  } catch (error) {
    throw new CliError(`cannot read ${configPath(dir)}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Writes through a temporary file, so an interrupted write never leaves a half-written config behind. */
export function writeConfig(dir: string, config: ConfigFile): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = configPath(dir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, stringify(config), { mode: 0o600 });
  // The mode of writeFileSync is subject to the umask; make it exact.
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

/** Stores a token for an organization, optionally making it the current one. */
export function withOrganization(
  config: ConfigFile,
  name: string,
  entry: StoredOrganization,
  makeCurrent: boolean,
): ConfigFile {
  return {
    ...config,
    ...(makeCurrent && { api_url: entry.api_url ?? config.api_url, current_organization: name }),
    organizations: { ...config.organizations, [name]: entry },
  };
}

/** Forgets an organization's token; when it was current, another stored one (if any) becomes current. */
export function withoutOrganization(config: ConfigFile, name: string): ConfigFile {
  const { [name]: _removed, ...rest } = config.organizations ?? {};
  const next: ConfigFile = { ...config, organizations: rest };
  if (config.current_organization === name) {
    const fallback = Object.keys(rest)[0];
    if (fallback) next.current_organization = fallback;
    else delete next.current_organization;
  }
  return next;
}
