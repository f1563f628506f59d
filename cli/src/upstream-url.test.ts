import { describe, expect, it } from 'vitest';
import { formatUpstream, moveUpstream, parseUpstreamUrl, toInput, withCredentials } from './upstream-url.js';

describe('parseUpstreamUrl', () => {
  it('reads scheme, host and port of an http upstream', () => {
    expect(parseUpstreamUrl('http', 'http://127.0.0.1:3000')).toEqual({
      type: 'http',
      scheme: 'http',
      hostname: '127.0.0.1',
      port: 3000,
    });
    expect(parseUpstreamUrl('http', 'https://intranet.acme.dev')).toMatchObject({
      scheme: 'https',
      port: 443,
    });
    expect(parseUpstreamUrl('http', 'http://web.internal/')).toMatchObject({ port: 80 });
  });

  it('keeps an explicit default port and unwraps IPv6 literals', () => {
    expect(parseUpstreamUrl('http', 'http://[::1]:80')).toMatchObject({ hostname: '::1', port: 80 });
    expect(parseUpstreamUrl('tls', '[fd00::5]:6379')).toEqual({
      type: 'tls',
      hostname: 'fd00::5',
      port: 6379,
    });
  });

  it('defaults ssh to port 22 and lets the client pick the login name when the URL names none', () => {
    expect(parseUpstreamUrl('ssh', 'ssh://10.0.0.5')).toEqual({
      type: 'ssh',
      hostname: '10.0.0.5',
      port: 22,
      authentication_type: 'border0_certificate',
      username_provider: 'prompt_client',
    });
    expect(parseUpstreamUrl('ssh', 'ubuntu@bastion:2222')).toMatchObject({
      username: 'ubuntu',
      username_provider: 'defined',
      port: 2222,
    });
  });

  it('reads protocol, user and database of database upstreams, with their default ports', () => {
    expect(parseUpstreamUrl('database', 'postgres://app@db.internal/orders')).toEqual({
      type: 'database',
      protocol: 'postgres',
      hostname: 'db.internal',
      port: 5432,
      authentication_type: 'no_auth',
      username: 'app',
      database: 'orders',
    });
    expect(parseUpstreamUrl('database', 'postgresql://db:6432')).toMatchObject({
      protocol: 'postgres',
      port: 6432,
    });
    expect(parseUpstreamUrl('database', 'mysql://root@127.0.0.1')).toMatchObject({
      protocol: 'mysql',
      port: 3306,
    });
  });

  it('takes tls upstreams with or without the tls:// scheme', () => {
    expect(parseUpstreamUrl('tls', 'tls://redis:6379')).toEqual({
      type: 'tls',
      hostname: 'redis',
      port: 6379,
    });
    expect(parseUpstreamUrl('tls', 'redis:6379')).toEqual({ type: 'tls', hostname: 'redis', port: 6379 });
  });

  it.each([
    ['http', '127.0.0.1:3000', /expected a URL such as http:\/\//],
    ['http', 'ftp://files:21', /http sockets need an upstream URL starting with http:\/\/ or https:\/\//],
    ['database', 'redis://cache:6379', /postgres:\/\/ or postgresql:\/\/ or mysql:\/\//],
    ['http', 'http://web:70000', /port must be a number from 1 to 65535, not "70000"/],
    ['tls', 'redis:abc', /port must be a number/],
    ['tls', 'redis', /tls upstreams need a port/],
    ['ssh', 'ssh://', /host name is missing|not a valid URL/],
    ['database', 'postgres://app:hunter2@db/app', /password does not belong in the URL; use --password-env/],
    ['http', 'http://web:8080/admin', /http upstreams have no path/],
    ['http', 'http://admin@web:8080', /have no user name/],
    ['http', 'http://web:8080/?debug=1', /query strings/],
    ['database', 'postgres://db/a/b', /one database/],
  ] as const)('refuses %s upstream %s', (type, url, message) => {
    expect(() => parseUpstreamUrl(type, url)).toThrow(message);
  });
});

// The literal reference syntax the connector resolves, not a template string.
const PGPASSWORD_REF = '$' + '{from:env:PGPASSWORD}';

describe('withCredentials', () => {
  const ssh = parseUpstreamUrl('ssh', 'ssh://10.0.0.5');
  const db = parseUpstreamUrl('database', 'postgres://app@db/app');

  it('derives the authentication type from the credential given', () => {
    expect(withCredentials(ssh, { username: 'ubuntu', privateKey: 'KEY' })).toMatchObject({
      authentication_type: 'private_key',
      username: 'ubuntu',
      username_provider: 'defined',
      private_key: 'KEY',
    });
    expect(withCredentials(db, { password: PGPASSWORD_REF })).toMatchObject({
      authentication_type: 'username_and_password',
      password: PGPASSWORD_REF,
    });
  });

  it('lets --auth win and refuses types the socket does not know', () => {
    expect(withCredentials(db, { auth: 'tls' })).toMatchObject({ authentication_type: 'tls' });
    expect(() => withCredentials(db, { auth: 'private_key' })).toThrow(
      /one of username_and_password, tls, no_auth/,
    );
  });

  it('turns on verified TLS for a database, and logs in by a client certificate when no password is given', () => {
    expect(withCredentials(db, { tls: { caCertificate: 'CA' } })).toMatchObject({
      tls: { enabled: true, verify: 'full', ca_certificate: 'CA' },
    });
    expect(
      withCredentials(db, { privateKey: 'KEY', tls: { verify: 'ca', clientCertificate: 'CERT' } }),
    ).toMatchObject({
      authentication_type: 'tls',
      private_key: 'KEY',
      tls: { enabled: true, verify: 'ca', client_certificate: 'CERT' },
    });
    expect(
      withCredentials(db, {
        password: PGPASSWORD_REF,
        privateKey: 'KEY',
        tls: { clientCertificate: 'CERT' },
      }),
    ).toMatchObject({ authentication_type: 'username_and_password' });
    expect(() => withCredentials(db, { privateKey: 'KEY' })).toThrow(/key of --client-certificate-file/);
    expect(() => withCredentials(ssh, { tls: { verify: 'none' } })).toThrow(/are for database sockets/);
  });

  it('verifies an https upstream as --tls and --ca-file say', () => {
    const web = parseUpstreamUrl('http', 'https://intranet.internal');
    expect(withCredentials(web, { tls: { caCertificate: 'CA' } })).toMatchObject({
      scheme: 'https',
      tls: { verify: 'full', ca_certificate: 'CA' },
    });
    expect(withCredentials(web, { tls: { verify: 'none' } })).toMatchObject({ tls: { verify: 'none' } });
    expect(() => withCredentials(parseUpstreamUrl('http', 'http://h:80'), { tls: { verify: 'ca' } })).toThrow(
      /for https upstreams/,
    );
    expect(() => withCredentials(web, { tls: { clientCertificate: 'CERT' } })).toThrow(/take no credentials/);
    expect(() => withCredentials(web, { username: 'x' })).toThrow(/take no credentials/);
  });

  it('drops the verification of an https upstream moved to plain http', () => {
    const web = withCredentials(parseUpstreamUrl('http', 'https://h'), { tls: { verify: 'ca' } });
    expect(moveUpstream(web, parseUpstreamUrl('http', 'https://h2'))).toMatchObject({
      tls: { verify: 'ca' },
    });
    expect(moveUpstream(web, parseUpstreamUrl('http', 'http://h2'))).not.toHaveProperty('tls');
  });

  it('refuses credentials for http and tls sockets', () => {
    expect(() => withCredentials(parseUpstreamUrl('tls', 'h:1'), { username: 'x' })).toThrow(
      /take no credentials/,
    );
  });

  it('leaves an upstream alone when no credential is given', () => {
    expect(withCredentials(ssh, {})).toBe(ssh);
  });
});

describe('moveUpstream', () => {
  it('moves an ssh upstream but keeps its authentication and user when the URL names none', () => {
    const stored = withCredentials(parseUpstreamUrl('ssh', 'ubuntu@10.0.0.5'), { privateKey: 'KEY' });
    const { private_key: _, ...withoutKey } = stored as typeof stored & { private_key?: string };
    expect(moveUpstream(withoutKey, parseUpstreamUrl('ssh', 'ssh://10.0.0.6:2222'))).toEqual({
      type: 'ssh',
      hostname: '10.0.0.6',
      port: 2222,
      authentication_type: 'private_key',
      username: 'ubuntu',
      username_provider: 'defined',
    });
  });

  it('keeps the database name and http headers the URL leaves out', () => {
    const db = withCredentials(parseUpstreamUrl('database', 'postgres://app@db1/orders'), { auth: 'tls' });
    expect(moveUpstream(db, parseUpstreamUrl('database', 'postgres://db2'))).toMatchObject({
      hostname: 'db2',
      username: 'app',
      database: 'orders',
      authentication_type: 'tls',
    });
    const web = { ...parseUpstreamUrl('http', 'http://a:80'), host_header: 'intranet' };
    expect(moveUpstream(web, parseUpstreamUrl('http', 'https://b'))).toMatchObject({
      scheme: 'https',
      port: 443,
      host_header: 'intranet',
    });
  });
});

describe('formatUpstream', () => {
  it.each([
    ['http', 'https://intranet:8443'],
    ['ssh', 'ssh://ubuntu@10.0.0.5:22'],
    ['database', 'mysql://root@db:3306/shop'],
    ['tls', 'tls://[fd00::5]:6379'],
  ] as const)('prints a %s upstream as the URL that creates it', (type, url) => {
    const stored = { ...parseUpstreamUrl(type, url), password_set: false } as Parameters<
      typeof formatUpstream
    >[0];
    expect(formatUpstream(stored)).toBe(url);
    expect(toInput(stored)).not.toHaveProperty('password_set');
  });
});
