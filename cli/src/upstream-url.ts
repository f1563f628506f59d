/**
 * `--upstream` URLs to and from a socket's `upstream_configuration`: `http://h:p`, `ssh://user@h:22`,
 * `postgres://user@h:5432/db`, `tls://h:p` or `h:p`. Pure. Passwords are refused in URLs: they would land in
 * shell history and process listings; credentials come from `--password-env`/`--password-file` instead.
 */
import type { Schema } from '@border0/sdk';
import { UsageError } from './errors.js';

export type SocketType = Schema<'SocketType'>;
export type UpstreamInput = Schema<'UpstreamConfigurationInput'>;
export type Upstream = Schema<'UpstreamConfiguration'>;

const SCHEMES: Record<SocketType, readonly string[]> = {
  http: ['http', 'https'],
  ssh: ['ssh'],
  database: ['postgres', 'postgresql', 'mysql'],
  tls: ['tls'],
};
const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ssh: 22, postgres: 5432, mysql: 3306 };
const EXAMPLES: Record<SocketType, string> = {
  http: 'http://127.0.0.1:3000',
  ssh: 'ssh://ubuntu@10.0.0.5',
  database: 'postgres://app@10.0.0.6:5432/app',
  tls: '10.0.0.7:443',
};

const fail = (text: string, problem: string) =>
  new UsageError(`--upstream ${JSON.stringify(text)}: ${problem}`);

/** The parts of an upstream URL, checked, with the scheme's default port filled in. */
function splitUrl(type: SocketType, text: string) {
  let input = text.trim();
  const explicit = /^([a-z][a-z0-9+.-]*):\/\//i.exec(input)?.[1]?.toLowerCase();
  if (!explicit) {
    // Only ssh and tls upstreams are unambiguous without a scheme.
    if (type !== 'ssh' && type !== 'tls') throw fail(text, `expected a URL such as ${EXAMPLES[type]}`);
    input = `${type}://${input}`;
  }
  const scheme = explicit === 'postgresql' ? 'postgres' : (explicit ?? type);
  if (!SCHEMES[type].includes(scheme)) {
    const wanted = SCHEMES[type].map((s) => `${s}://`).join(' or ');
    throw fail(text, `${type} sockets need an upstream URL starting with ${wanted}, e.g. ${EXAMPLES[type]}`);
  }
  // Checked before URL parsing, whose only complaint about a bad port would be "Invalid URL".
  const portText = /^[^:]+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?/.exec(input)?.[1];
  if (portText !== undefined && !(/^\d{1,5}$/.test(portText) && +portText >= 1 && +portText <= 65535)) {
    throw fail(text, `the port must be a number from 1 to 65535, not ${JSON.stringify(portText)}`);
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw fail(text, `not a valid URL; expected something like ${EXAMPLES[type]}`);
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!hostname) throw fail(text, 'the host name is missing');
  if (url.password) {
    throw fail(
      text,
      'a password does not belong in the URL; use --password-env NAME or --password-file PATH',
    );
  }
  if (url.search || url.hash) throw fail(text, 'query strings and fragments are not supported');
  const port = portText ? Number(portText) : DEFAULT_PORTS[scheme];
  if (port === undefined) throw fail(text, `${type} upstreams need a port, e.g. ${EXAMPLES[type]}`);
  const path = url.pathname.replace(/^\/$/, '');
  return { scheme, hostname, port, username: decodeURIComponent(url.username), path };
}

/** Parses an `--upstream` URL into the upstream configuration of a socket of the given type. */
export function parseUpstreamUrl(type: SocketType, text: string): UpstreamInput {
  const { scheme, hostname, port, username, path } = splitUrl(type, text);
  if (type !== 'database' && path) throw fail(text, `${type} upstreams have no path`);
  if ((type === 'http' || type === 'tls') && username)
    throw fail(text, `${type} upstreams have no user name`);
  const user = username ? { username } : {};
  switch (type) {
    case 'http':
      return { type, scheme: scheme as 'http' | 'https', hostname, port };
    case 'tls':
      return { type, hostname, port };
    case 'ssh':
      return {
        type,
        hostname,
        port,
        authentication_type: 'border0_certificate',
        username_provider: username ? 'defined' : 'prompt_client',
        ...user,
      };
    case 'database': {
      const database = decodeURIComponent(path.replace(/^\//, ''));
      if (database.includes('/')) throw fail(text, 'the path names one database: /name');
      return {
        type,
        protocol: scheme as 'postgres' | 'mysql',
        hostname,
        port,
        authentication_type: 'no_auth',
        ...user,
        ...(database && { database }),
      };
    }
  }
}

/** An https upstream verified as `--tls` and `--ca-file` say; http sockets take nothing else of these. */
function withHttpsVerification(
  upstream: Extract<UpstreamInput, { type: 'http' }>,
  credentials: Credentials,
): UpstreamInput {
  const { tls, ...rest } = credentials;
  if (hasCredentials(rest) || tls?.clientCertificate !== undefined) {
    throw new UsageError(
      'http sockets take no credentials (--auth, --username, --password-*, --client-certificate-file)',
    );
  }
  if (!tls) return upstream;
  if (upstream.scheme !== 'https') {
    throw new UsageError('--tls and --ca-file are for https upstreams (--upstream https://...)');
  }
  return {
    ...upstream,
    tls: {
      ...upstream.tls,
      verify: tls.verify ?? upstream.tls?.verify ?? 'full',
      ...(tls.caCertificate !== undefined && { ca_certificate: tls.caCertificate }),
    },
  };
}

export interface Credentials {
  auth?: string | undefined;
  username?: string | undefined;
  /** A secret value or a connector-resolved reference such as `${from:env:NAME}`. */
  password?: string | undefined;
  privateKey?: string | undefined;
  /**
   * Database sockets and https upstreams of http sockets: TLS to the upstream, verified as named, with a CA
   * (and, databases only, a client certificate), PEM.
   */
  tls?: { verify?: 'full' | 'ca' | 'none'; caCertificate?: string; clientCertificate?: string } | undefined;
}

const AUTH_TYPES = {
  ssh: ['username_and_password', 'private_key', 'border0_certificate'],
  database: ['username_and_password', 'tls', 'no_auth'],
} as const;

export function hasCredentials(credentials: Credentials): boolean {
  return Object.values(credentials).some((value) => value !== undefined);
}

/**
 * Adds credentials to an upstream. Without `--auth`, a private key means `private_key` and a password means
 * `username_and_password`; otherwise the upstream keeps its authentication type.
 */
export function withCredentials(upstream: UpstreamInput, credentials: Credentials): UpstreamInput {
  if (!hasCredentials(credentials)) return upstream;
  if (upstream.type === 'http') return withHttpsVerification(upstream, credentials);
  if (upstream.type === 'tls') {
    throw new UsageError(`${upstream.type} sockets take no credentials (--auth, --username, --password-*)`);
  }
  const { auth, username, password, privateKey, tls } = credentials;
  const allowed: readonly string[] = AUTH_TYPES[upstream.type];
  if (auth !== undefined && !allowed.includes(auth)) {
    throw new UsageError(`--auth for ${upstream.type} sockets is one of ${allowed.join(', ')}`);
  }
  if (upstream.type === 'database') {
    const certificate = tls?.clientCertificate ?? upstream.tls?.client_certificate;
    if (privateKey !== undefined && certificate === undefined) {
      throw new UsageError('--private-key-file of a database socket is the key of --client-certificate-file');
    }
    // A client certificate without a password means logging in by the certificate alone.
    const derived =
      password !== undefined
        ? 'username_and_password'
        : tls?.clientCertificate !== undefined
          ? 'tls'
          : undefined;
    const authentication_type = (auth ?? derived) as (typeof AUTH_TYPES)['database'][number] | undefined;
    return {
      ...upstream,
      ...(authentication_type && { authentication_type }),
      ...(username !== undefined && { username }),
      ...(password !== undefined && { password }),
      ...(privateKey !== undefined && { private_key: privateKey }),
      ...(tls && {
        tls: {
          ...upstream.tls,
          enabled: true,
          verify: tls.verify ?? upstream.tls?.verify ?? 'full',
          ...(tls.caCertificate !== undefined && { ca_certificate: tls.caCertificate }),
          ...(tls.clientCertificate !== undefined && { client_certificate: tls.clientCertificate }),
        },
      }),
    };
  }
  if (tls) {
    throw new UsageError(
      '--tls, --ca-file and --client-certificate-file are for database sockets (--tls, --ca-file: https upstreams too)',
    );
  }
  const derived =
    privateKey !== undefined ? 'private_key' : password !== undefined ? 'username_and_password' : undefined;
  const authentication_type = (auth ?? derived) as (typeof AUTH_TYPES)['ssh'][number] | undefined;
  return {
    ...upstream,
    ...(authentication_type && { authentication_type }),
    ...(username !== undefined && { username, username_provider: 'defined' as const }),
    ...(password !== undefined && { password }),
    ...(privateKey !== undefined && { private_key: privateKey }),
  };
}

/**
 * A new `--upstream` on update moves the upstream; what the URL does not say (authentication, a user name or
 * database left out, http headers) stays as stored, like every flag not given.
 */
export function moveUpstream(current: UpstreamInput, url: UpstreamInput): UpstreamInput {
  if (current.type === 'http' && url.type === 'http') {
    // How an https upstream is verified stays with it; a plain http upstream has nothing to verify.
    const { tls, ...rest } = current;
    return { ...rest, ...url, ...(url.scheme === 'https' && tls && { tls }) };
  }
  if (current.type === 'ssh' && url.type === 'ssh') {
    const { hostname, port, username } = url;
    return {
      ...current,
      hostname,
      port,
      ...(username && { username, username_provider: 'defined' as const }),
    };
  }
  if (current.type === 'database' && url.type === 'database') {
    const { protocol, hostname, port, username, database } = url;
    return {
      ...current,
      protocol,
      hostname,
      port,
      ...(username && { username }),
      ...(database && { database }),
    };
  }
  return url;
}

/** A stored upstream as input again (secrets stay on the server: omitted ones are kept on update). */
export function toInput(upstream: Upstream): UpstreamInput {
  const {
    password_set: _p,
    private_key_set: _k,
    ...rest
  } = upstream as Upstream & {
    password_set?: boolean;
    private_key_set?: boolean;
  };
  return rest as UpstreamInput;
}

/** An upstream as the URL `--upstream` would take, for tables. */
export function formatUpstream(upstream: Upstream): string {
  const host = upstream.hostname.includes(':') ? `[${upstream.hostname}]` : upstream.hostname;
  switch (upstream.type) {
    case 'http':
      return `${upstream.scheme}://${host}:${upstream.port}`;
    case 'tls':
      return `tls://${host}:${upstream.port}`;
    case 'ssh':
      return `ssh://${upstream.username ? `${upstream.username}@` : ''}${host}:${upstream.port}`;
    case 'database':
      return `${upstream.protocol}://${upstream.username ? `${upstream.username}@` : ''}${host}:${upstream.port}${upstream.database ? `/${upstream.database}` : ''}`;
  }
}
