/**
 * The `border0` binary against a real server: one server and one config directory for the file, commands
 * run in order as a person would type them. Each spawn costs about a second, so each test runs few commands.
 */
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import { freePort, border0 as runCli, tempDir } from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestServer, type TestServer } from './test-server.js';

let api: TestServer;
let configDir: string;

/** border0 as the logged-in admin: the token comes from the config file that `login` wrote. */
const border0 = (...args: string[]) =>
  runCli(args, { BORDER0_CONFIG_DIR: configDir, BORDER0_API_URL: api.server.url });
const json = async (...args: string[]) => {
  const result = await border0(...args, '--output', 'json');
  expect(result.stderr).not.toMatch(/^error:/);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
};

beforeAll(async () => {
  api = await startTestServer();
  configDir = join(tempDir('config'), 'border0');
});

afterAll(async () => {
  await api?.close();
  rmSync(join(configDir, '..'), { recursive: true, force: true });
});

describe('border0 against a running API', () => {
  it('logs in and stores the token in a file only its owner can read', async () => {
    const result = await border0('login', '--token', api.token);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim()).toBe(`logged in to local as owner at ${api.server.url}`);
    const file = join(configDir, 'config.yaml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parse(readFileSync(file, 'utf8'))).toMatchObject({
      current_organization: 'local',
      organizations: { local: { token: api.token } },
    });
  });

  it('creates an http socket and lists it with its DNS name', async () => {
    const created = await border0(
      'socket',
      'create',
      '--name',
      'web',
      '--type',
      'http',
      '--upstream',
      'http://127.0.0.1:3000',
      '--tag',
      'env=prod',
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/dnsname:\s+web-local\.localhost/);
    const sockets = await json('socket', 'ls');
    expect(sockets).toHaveLength(1);
    expect(sockets[0]).toMatchObject({
      name: 'web',
      dnsname: 'web-local.localhost',
      tags: { env: 'prod' },
      upstream_configuration: { type: 'http', scheme: 'http', hostname: '127.0.0.1', port: 3000 },
    });
  });

  it('stores a password reference, never the password, for a database socket', async () => {
    const socket = await json(
      'socket',
      'create',
      '--name',
      'orders',
      '--type',
      'database',
      '--upstream',
      'postgres://app@127.0.0.1/orders',
      '--password-env',
      'ORDERS_DB_PASSWORD',
    );
    expect(socket.upstream_configuration).toMatchObject({
      protocol: 'postgres',
      port: 5432,
      database: 'orders',
      authentication_type: 'username_and_password',
      password_set: true,
    });
    expect(JSON.stringify(socket)).not.toContain('ORDERS_DB_PASSWORD');
  });

  it('prints one line naming the invalid field, and exits 1', async () => {
    const result = await border0(
      'socket',
      'create',
      '--name',
      'Web_1',
      '--type',
      'http',
      '--upstream',
      'http://h:80',
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: name: must be a DNS label[^\n]*\n$/);
  });

  it('exits 2 on a usage error, before calling the API', async () => {
    const result = await border0(
      'socket',
      'create',
      '--name',
      'x',
      '--type',
      'tls',
      '--upstream',
      'cache:99999',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: --upstream "cache:99999": the port must be a number from 1 to 65535[^\n]*\n$/,
    );
  });

  it('prints one line and exits 1 when the API cannot be reached', async () => {
    const apiUrl = `http://127.0.0.1:${await freePort()}`;
    const result = await runCli(['socket', 'ls'], { BORDER0_CONFIG_DIR: configDir, BORDER0_API_URL: apiUrl });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: cannot reach the Border0 API at ${apiUrl} (ECONNREFUSED) — is it running? (border0 start)\n`,
    );
  });

  it('adds a member and a group holding them', async () => {
    expect(await json('member', 'add', 'bob@example.com', '--role', 'member')).toMatchObject({
      email: 'bob@example.com',
      role: 'member',
    });
    await json('group', 'create', 'eng');
    const group = await json('group', 'add-member', 'eng', 'bob@example.com');
    expect(group.members).toEqual([expect.objectContaining({ email: 'bob@example.com' })]);
  });

  it('manages an identity provider, reading its client secret from standard input and never showing it', async () => {
    expect((await border0('login', '--token', api.token)).code).toBe(0);
    const env = { BORDER0_CONFIG_DIR: configDir, BORDER0_API_URL: api.server.url };
    const args = ['identity-provider', 'create', 'corp', '--issuer', 'https://sso.acme.dev'];
    const created = await runCli(
      [
        ...args,
        '--client-id',
        'border0',
        '--client-secret-stdin',
        '--groups-claim',
        'roles',
        '--output',
        'json',
      ],
      env,
      'the-client-secret\n',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'corp',
      client_secret_set: true,
      scopes: ['openid', 'email', 'profile'],
      groups_claim: 'roles',
    });
    expect(created.stdout).not.toContain('the-client-secret');
    const shown = await border0('identity-provider', 'show', 'corp');
    expect(shown.stdout).toMatch(/client secret:\s+set/);
    expect(shown.stdout).not.toContain('the-client-secret');
    const updated = await json('identity-provider', 'update', 'corp', '--remove-client-secret', '--disable');
    expect(updated).toMatchObject({ client_secret_set: false, enabled: false });
    expect((await json('identity-provider', 'ls')).map((p: { name: string }) => p.name)).toEqual(['corp']);
    const bad = await border0(
      'identity-provider',
      'create',
      'plain',
      '--issuer',
      'http://sso.acme.dev',
      '--client-id',
      'x',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/issuer/);
    expect(await border0('identity-provider', 'rm', 'corp')).toMatchObject({ code: 0 });
    expect(await json('identity-provider', 'ls')).toEqual([]);
  });

  it('creates a policy from flags and attaches it to a socket', async () => {
    const policy = await json(
      'policy',
      'create',
      '--name',
      'eng-web',
      '--allow',
      'http',
      '--group',
      'eng',
      '--email',
      'alice@acme.dev',
      '--socket',
      'web',
    );
    expect(policy.document).toEqual({
      permissions: { http: {} },
      condition: { who: { email: ['alice@acme.dev'], group: [expect.any(String)] } },
    });
    const attached = await border0('policy', 'attach', 'eng-web', 'orders');
    expect(attached).toMatchObject({ code: 0, stdout: 'attached policy eng-web to socket orders\n' });
    const applying = await json('policy', 'ls', '--socket', 'orders');
    expect(applying.map((p: { name: string }) => p.name)).toEqual(['eng-web']);
    expect(applying[0].socket_ids).toHaveLength(2);
  });

  it('tests access: allowed through a group, denied with the reason of each policy', async () => {
    const allowed = await border0(
      'policy',
      'test',
      '--socket',
      'web',
      '--email',
      'bob@example.com',
      '--ip',
      '10.1.2.3',
    );
    expect(allowed).toMatchObject({ code: 0, stderr: '' });
    expect(allowed.stdout).toBe(
      'ALLOWED by policy eng-web\n✓ eng-web  allows http access\npermissions: http\n',
    );
    // Someone who is no member is denied before any policy is read.
    const stranger = await border0('policy', 'test', '--socket', 'web', '--email', 'carol@acme.dev');
    expect(stranger.stdout).toBe(
      'DENIED: carol@acme.dev is not a member of the organization, or their role does not use sockets\n',
    );
    await json('member', 'add', 'carol@acme.dev', '--role', 'member');
    // orders is a database socket: with no --action, the question is a session on it at all.
    const denied = await border0('policy', 'test', '--socket', 'orders', '--email', 'carol@acme.dev');
    expect(denied).toMatchObject({ code: 0, stderr: '' });
    expect(denied.stdout).toBe(
      [
        'DENIED: the one policy that applies to this socket does not allow database access',
        '✗ eng-web  who: carol@acme.dev is not named by this policy, nor in one of its groups',
        '',
      ].join('\n'),
    );
  });

  it('tests one policy alone, lists the policies of a socket, and fails in one line on an unknown socket', async () => {
    const what = await border0(
      'policy',
      'test',
      '--policy',
      'eng-web',
      '--socket',
      'orders',
      '--email',
      'bob@example.com',
    );
    expect(what.code).toBe(0);
    expect(what.stdout).toBe(
      [
        'DENIED: the one policy that applies to this socket does not allow database access',
        'policy eng-web applies to socket orders',
        '✗ eng-web  permission: this policy does not allow database sockets',
        '',
      ].join('\n'),
    );
    const policies = await border0('socket', 'policies', 'web');
    expect(policies).toMatchObject({
      code: 0,
      stdout: 'NAME     VIA       TAG-RULE\neng-web  attached  -\n',
    });
    const unknown = await border0('policy', 'test', '--socket', 'nope', '--email', 'bob@example.com');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: socket nope not found\n');
  });

  it('creates a connector token and shows it once, with a warning', async () => {
    await json('connector', 'create', 'office');
    const result = await border0('connector', 'token', 'create', 'office', '--expires-in', '30d');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^token cli \d{4}-\d\d-\d\d \([0-9a-f-]+\) for connector office, expires \S+:\nb0\w_\S+\n$/,
    );
    expect(result.stderr).toMatch(/shown only once/);
    const tokens = await json('connector', 'token', 'ls', 'office');
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).not.toHaveProperty('token');
  });

  it('creates a service account token that works with the API', async () => {
    await json('service-account', 'create', 'ci', '--role', 'read_only');
    const created = await json('service-account', 'token', 'create', 'ci', '--expires-in', '1d');
    const result = await runCli(['socket', 'ls', '--output', 'json'], {
      BORDER0_API_URL: api.server.url,
      BORDER0_TOKEN: created.token,
      BORDER0_CONFIG_DIR: join(configDir, 'unused'),
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveLength(2);
  });

  it('makes a service account trust an issuer, lists and removes it, and refuses a token it did not sign', async () => {
    const added = await json(
      'service-account',
      'trust',
      'add',
      'ci',
      '--issuer',
      'https://token.actions.githubusercontent.com',
      '--audience',
      'https://border0.test',
      '--subject',
      'repo:acme/app:*',
      '--claim',
      'repository=acme/app',
    );
    expect(added).toMatchObject({
      name: 'token-actions-githubusercontent-com',
      claims: { repository: 'acme/app' },
    });
    const listed = await json('service-account', 'trust', 'ls', 'ci');
    expect(listed.map((t: { id: string }) => t.id)).toEqual([added.id]);
    const job = { BORDER0_API_URL: api.server.url, BORDER0_CONFIG_DIR: join(configDir, 'job') };
    // Without the account to log in as: a usage error, before calling the API.
    const usage = await runCli(['login', '--web-identity-token', 'eyJ.x.y'], job);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error: a web identity login names its service account[^\n]*\n$/);
    // A token no trusted issuer signed: one line, exit 1, and nothing stored.
    const refused = await runCli(['login', '--org', 'local', '--service-account', 'ci'], {
      ...job,
      BORDER0_WEB_IDENTITY_TOKEN: 'not-a-jwt',
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: [^\n]*the web identity token was refused[^\n]*\n$/);
    expect((await runCli(['socket', 'ls'], job)).code).not.toBe(0);
    const removed = await border0('service-account', 'trust', 'rm', 'ci', added.name);
    expect(removed.code, removed.stderr).toBe(0);
    expect(await json('service-account', 'trust', 'ls', 'ci')).toEqual([]);
  });

  it('lists sessions reported by a proxy', async () => {
    const sdk = createClient({ baseUrl: api.server.url, token: api.token });
    const proxy = createClient({ baseUrl: api.server.url, token: api.server.proxyToken! });
    const web = await sdk.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'web' } } });
    await proxy.post('/api/v1/proxy/sessions', {
      body: { socket_id: web.id, user_email: 'bob@example.com', client_ip: '10.1.2.3', result: 'allowed' },
    });
    const table = await border0('session', 'ls', '--socket', 'web', '--live');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/web\s+bob@example\.com\s+10\.1\.2\.3\s+allowed \(live\)/);
  });

  it('verifies the audit log, and notices tampering', async () => {
    const intact = await border0('audit', 'verify');
    expect(intact).toMatchObject({ code: 0, stderr: '' });
    expect(intact.stdout).toMatch(/^audit log intact: \d+ entries\n$/);

    await api.server.services.db
      .updateTable('audit_entries')
      .set({ action: 'socket.read' })
      .where('seq', '=', 3)
      .execute();
    const tampered = await border0('audit', 'verify');
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(
      /^error: audit log TAMPERED at entry #3 \([^)]+\): content does not match its hash\n$/,
    );
  });

  it('creates an organization and stores its owner token without switching to it', async () => {
    await json('organization', 'create', 'acme');
    const config = parse(readFileSync(join(configDir, 'config.yaml'), 'utf8'));
    expect(config.current_organization).toBe('local');
    expect(config.organizations.acme.token).toMatch(/^b0\w_/);
    const whoami = await border0('whoami', '--org', 'acme');
    expect(whoami.stdout).toMatch(/organization:\s+acme/);
  });

  it('invites a person with an account elsewhere, who joins when they accept with their own login', async () => {
    // An organization the owner makes, hands to another owner, invites themselves to, and leaves.
    await json('organization', 'create', 'initech');
    await json('--org', 'initech', 'member', 'add', 'boss@initech.dev', '--role', 'owner');
    const { code, status } = await json(
      '--org',
      'initech',
      'invitation',
      'create',
      'admin@localhost',
      '--role',
      'member',
    );
    expect(status).toBe('pending');
    expect(code).toMatch(/^b0i_/);
    const listed = await json('--org', 'initech', 'invitation', 'ls');
    expect(listed).toEqual([expect.objectContaining({ status: 'pending', email: 'admin@localhost' })]);
    expect(JSON.stringify(listed)).not.toContain(code);
    expect((await border0('--org', 'initech', 'member', 'remove', 'admin@localhost')).code).toBe(0);
    expect((await json('organization', 'ls')).map((o: { name: string }) => o.name)).not.toContain('initech');

    const accepted = await border0('invitation', 'accept', code);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toBe(
      'joined initech as member; log in to it with: border0 client login --org initech\n',
    );
    expect((await json('organization', 'ls')).map((o: { name: string }) => o.name)).toContain('initech');
    const again = await border0('invitation', 'accept', code);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: .*invitation/);
  });

  it('sets a member’s password from standard input, and refuses a short one in one line', async () => {
    await json('member', 'add', 'pat@acme.dev', '--role', 'member');
    const env = { BORDER0_CONFIG_DIR: configDir, BORDER0_API_URL: api.server.url };
    const set = await runCli(['member', 'password', 'pat@acme.dev'], env, 'a-long-enough-password\n');
    expect(set).toMatchObject({ code: 0, stdout: 'set the password of pat@acme.dev\n' });
    const short = await runCli(['member', 'password', 'pat@acme.dev'], env, 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/^error: .*password.*\n$/);
  });

  it('refuses a config file it cannot parse, in one line', async () => {
    const broken = tempDir('broken');
    writeFileSync(join(broken, 'config.yaml'), 'organizations: [\n');
    const result = await runCli(['socket', 'ls'], { BORDER0_CONFIG_DIR: broken });
    rmSync(broken, { recursive: true, force: true });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: cannot read \S+config\.yaml: [^\n]+\n$/);
  });
});
