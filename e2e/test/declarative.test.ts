/**
 * Declarative automation with the built `border0` command against a running platform: `apply -f` a file with
 * two sockets, three policies and a group; `plan` again finds nothing; one field changed in the file is the
 * one change planned; a socket an admin edits by hand after the plan is a conflict, not overwritten; `export`
 * applied onto a second organization plans empty there; `--prune` deletes a resource removed from the file
 * but not a socket an admin made.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Border0Client, createClient } from '@border0/sdk';
import { border0, type Platform, startPlatform, tempDir } from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

const $ = '$';
const SECRET = 'db-password-never-written';

let platform: Platform;
let admin: Border0Client;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  const dataDir = tempDir('declarative');
  dir = tempDir('declarative-files');
  // Generous: on a loaded 2-core machine the platform's first start has taken 30 s.
  platform = await startPlatform(
    ['--data-dir', dataDir, '--no-proxy'],
    { BORDER0_CONFIG_DIR: tempDir('declarative-config') },
    120_000,
  );
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  admin = createClient({ baseUrl: platform.url, token });
  env = {
    BORDER0_API_URL: platform.url,
    BORDER0_TOKEN: token,
    BORDER0_CONFIG_DIR: tempDir('declarative-cli'),
    DB_PASSWORD: SECRET,
  };
}, 150_000);
afterAll(() => platform?.stop());

/** The file: two sockets, three policies and a group, `webPort` being the field the test changes. */
function resources(webPort: number, withDb = true) {
  const sockets = [
    {
      name: 'web',
      socket_type: 'http',
      tags: { env: 'prod' },
      upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: webPort },
    },
    {
      name: 'db',
      socket_type: 'database',
      upstream_configuration: {
        type: 'database',
        protocol: 'postgres',
        hostname: '127.0.0.1',
        port: 5432,
        authentication_type: 'username_and_password',
        username: 'app',
        password: `${$}{from:env:DB_PASSWORD}`,
      },
    },
  ];
  const who = { condition: { who: { group: ['engineers'] } } };
  return {
    groups: [{ name: 'engineers', description: 'people who build' }],
    sockets: withDb ? sockets : sockets.slice(0, 1),
    policies: [
      { name: 'web-access', document: { permissions: { http: {} }, ...who }, sockets: ['web'] },
      {
        name: 'db-read',
        document: {
          permissions: {
            database: { allowed_databases: [{ database: '*', allowed_query_types: ['read_only'] }] },
          },
          ...who,
        },
        sockets: withDb ? ['db'] : [],
      },
      { name: 'prod-tagged', document: { permissions: { http: {} }, ...who }, tag_rules: [{ env: 'prod' }] },
    ],
  };
}

const file = () => join(dir, 'resources.yaml');
const write = (value: unknown, path = file()) => writeFileSync(path, stringify(value));
const run = (args: string[], extra: Record<string, string> = {}) => border0(args, { ...env, ...extra });

let appliedOnce = false;
/** The file applied once, by the first test or, when a test runs alone, by that test. */
async function applyFirstFile() {
  write(resources(8080));
  const applied = await run(['apply', '-f', file(), '--yes']);
  appliedOnce = true;
  return applied;
}
const ensureApplied = async () => {
  if (!appliedOnce) expect((await applyFirstFile()).code).toBe(0);
};

describe('border0 plan / apply / export', () => {
  it('applies a file, then plans no change', async () => {
    const applied = await applyFirstFile();
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('created group engineers');
    expect(applied.stdout).toContain('Applied 6 of 6 changes.');
    const again = await run(['plan', '-f', file(), '--detailed-exitcode']);
    expect(again).toMatchObject({ code: 0, stdout: expect.stringMatching(/^No changes: /) });
    const policy = await admin.get('/api/v1/policies/{policy}', { params: { path: { policy: 'db-read' } } });
    expect(policy.socket_ids).toHaveLength(1);
  });

  it('plans exactly the one field changed in the file', async () => {
    await ensureApplied();
    write(resources(8081));
    const planned = await run(['plan', '-f', file(), '--detailed-exitcode']);
    expect(planned.code).toBe(2);
    expect(planned.stdout.trim().split('\n')).toEqual([
      '~ update socket web',
      '    upstream_configuration.port: 8080 → 8081',
      expect.stringMatching(/^Plan for \S+: 0 to create, 1 to change, 0 to delete\.$/),
    ]);
  });

  it('reports a socket an admin edited after the plan as a conflict, and does not overwrite it', async () => {
    await ensureApplied();
    write(resources(8081));
    const saved = join(dir, 'plan.json');
    expect((await run(['plan', '-f', file(), '--out', saved])).code).toBe(0);
    await admin.modify('/api/v1/sockets/{socket}', { params: { path: { socket: 'web' } } }, () => ({
      description: 'edited by hand',
    }));
    const applied = await run(['apply', saved]);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toMatch(/^error: conflict: socket web changed since the plan/);
    const web = await admin.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'web' } } });
    expect(web.description).toBe('edited by hand');
    expect(web.upstream_configuration).toMatchObject({ port: 8080 });
  });

  it('exports with secrets as references; the export applied onto a second organization plans empty there', async () => {
    await ensureApplied();
    const exported = join(dir, 'exported.yaml');
    const result = await run(['export', '-o', exported]);
    expect(result.code).toBe(0);
    const text = readFileSync(exported, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).toContain(`password: ${$}{from:env:DB_PASSWORD}`);
    const other = await admin.post('/api/v1/organizations', { body: { name: 'second' } });
    const second = { BORDER0_TOKEN: other.owner_token };
    const applied = await run(['apply', '-f', exported, '--yes'], second);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const planned = await run(['plan', '-f', exported, '--detailed-exitcode'], second);
    expect(planned).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^No changes: the organization second/),
    });
  });

  it('prunes a socket removed from the file, never a socket an admin made', async () => {
    await ensureApplied();
    await admin.post('/api/v1/sockets', {
      body: {
        name: 'by-hand',
        socket_type: 'tls',
        upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
      },
    });
    write(resources(8081, false));
    const planned = await run(['plan', '-f', file(), '--prune']);
    expect(planned.stdout).toContain('- delete socket db');
    expect(planned.stdout).not.toContain('by-hand');
    const applied = await run(['apply', '-f', file(), '--prune', '--yes']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('deleted socket db');
    const names = (await admin.get('/api/v1/sockets')).items.map((s) => s.name).sort();
    expect(names).toEqual(['by-hand', 'web']);
  });
});
