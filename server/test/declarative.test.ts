/**
 * @border0/sdk/declarative against the real app handler: a document of every kind applies, plans empty
 * after, shows exactly the field that changed, refuses to overwrite what an admin changed since the plan,
 * exports with secrets as references only, applies onto another organization unchanged, and prunes only what
 * it manages.
 */
import { type Border0Client, createClient } from '@border0/sdk';
import {
  apply,
  type DeclarativeState,
  exportDocument,
  parseDocument,
  plan,
  type ResourcesDocument,
} from '@border0/sdk/declarative';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';

const $ = '$';
const SECRET = 'the-upstream-password-1';
const env = { DB_PASSWORD: SECRET };

let h: Harness;
let b0: Border0Client;
beforeAll(async () => {
  h = await createHarness('pglite');
  b0 = createClient({ baseUrl: 'http://test', token: h.ownerToken, fetch: h.fetch });
});
afterAll(() => h?.close());

const document = (): ResourcesDocument =>
  parseDocument({
    connectors: [{ name: 'lab', description: 'the lab network' }],
    service_accounts: [{ name: 'ci', role: 'admin' }],
    members: [{ email: 'dana@acme.dev', role: 'member' }],
    groups: [{ name: 'ops', members: ['dana@acme.dev'] }],
    sockets: [
      {
        name: 'web',
        socket_type: 'http',
        tags: { env: 'prod' },
        connectors: ['lab'],
        upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 8080 },
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
    ],
    policies: [
      {
        name: 'ops-web',
        document: { permissions: { http: {} }, condition: { who: { group: ['ops'] } } },
        sockets: ['web', 'db'],
      },
    ],
  });

const summary = (p: Awaited<ReturnType<typeof plan>>) =>
  p.changes.map((c) => `${c.action} ${c.kind} ${c.name}: ${c.diffs.map((d) => d.path).join(',')}`);

describe('declarative plan and apply', () => {
  let state: DeclarativeState | undefined;
  /** The document applied once, by the first test or, when a test runs alone, by that test. */
  async function applied(): Promise<DeclarativeState> {
    if (!state) {
      const result = await apply(b0, document(), { env });
      expect(result.failure).toBeUndefined();
      state = result.state;
    }
    return state;
  }

  it('applies a document of every kind, in dependency order, and plans nothing after', async () => {
    const first = await plan(b0, document());
    expect(first.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
      'create connector lab',
      'create service_account ci',
      'create member dana@acme.dev',
      'create group ops',
      'create socket web',
      'create socket db',
      'create policy ops-web',
    ]);
    const result = await apply(b0, first, { env });
    expect(result.failure).toBeUndefined();
    state = result.state;
    const again = await plan(b0, document(), { state });
    expect(again.changes).toEqual([]);
    expect(again.unchanged).toHaveLength(7);
    const policy = await b0.get('/api/v1/policies/{policy}', { params: { path: { policy: 'ops-web' } } });
    expect(policy.socket_ids).toHaveLength(2);
    const group = await b0.get('/api/v1/groups/{group}', { params: { path: { group: 'ops' } } });
    expect(group.members.map((m) => m.email)).toEqual(['dana@acme.dev']);
  });

  it('refuses to start when a secret’s environment variable is not set, before changing anything', async () => {
    await applied();
    const more = document();
    more.connectors!.push({ name: 'first-in-order' });
    more.sockets!.push({ ...more.sockets![1]!, name: 'db2' });
    await expect(apply(b0, more, { env: {}, state })).rejects.toThrow(
      'sockets[2].upstream_configuration.password: the environment variable DB_PASSWORD that it names is not set',
    );
    const connectors = (await b0.get('/api/v1/connectors')).items.map((c) => c.name);
    expect(connectors).not.toContain('first-in-order');
  });

  it('shows exactly the field the file changed, and applies it', async () => {
    await applied();
    const changed = document();
    changed.sockets![0]!.tags = { env: 'staging' };
    const p = await plan(b0, changed, { state });
    expect(p.changes).toMatchObject([
      {
        action: 'update',
        kind: 'socket',
        name: 'web',
        diffs: [{ path: 'tags.env', before: 'prod', after: 'staging' }],
      },
    ]);
    expect((await apply(b0, p, { env, state })).failure).toBeUndefined();
    expect((await plan(b0, changed, { state })).changes).toEqual([]);
  });

  it('reports a socket an admin changed since the plan as a conflict and leaves the admin’s change', async () => {
    await applied();
    const changed = document();
    changed.sockets![0]!.tags = { env: 'conflict' };
    const p = await plan(b0, changed, { state });
    expect(summary(p)).toEqual(['update socket web: tags.env']);
    await b0.modify('/api/v1/sockets/{socket}', { params: { path: { socket: 'web' } } }, () => ({
      description: 'edited by hand',
    }));
    const result = await apply(b0, p, { env, state });
    expect(result.failure).toMatchObject({ conflict: true, change: { kind: 'socket', name: 'web' } });
    expect(result.failure!.message).toMatch(/^conflict: socket web changed since the plan/);
    const web = await b0.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'web' } } });
    expect(web.description).toBe('edited by hand');
    expect(web.tags.env).not.toBe('conflict');
  });

  it('sends If-Match, so a change made between its last read and its write is a conflict too', async () => {
    await applied();
    const changed = document();
    changed.sockets![0]!.tags = { env: 'qa' };
    const p = await plan(b0, changed, { state });
    // The admin's edit lands after apply's check and before its PATCH reaches the server.
    let edited = false;
    const racing = createClient({
      baseUrl: 'http://test',
      token: h.ownerToken,
      fetch: async (request) => {
        if (request.method === 'PATCH' && !edited) {
          edited = true;
          await b0.modify('/api/v1/sockets/{socket}', { params: { path: { socket: 'web' } } }, () => ({
            tags: { env: 'edited' },
          }));
        }
        return h.fetch(request);
      },
    });
    const result = await apply(racing, p, { env, state });
    expect(edited).toBe(true);
    expect(result.failure).toMatchObject({ conflict: true, change: { kind: 'socket', name: 'web' } });
    const web = await b0.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'web' } } });
    expect(web.tags).toEqual({ env: 'edited' });
  });

  it('exports secrets as references only, and the export applies onto another organization with no change after', async () => {
    await applied();
    const exported = await exportDocument(b0);
    const text = JSON.stringify(exported);
    expect(text).not.toContain(SECRET);
    expect(exported.sockets!.find((s) => s.name === 'db')!.upstream_configuration.password).toBe(
      `${$}{from:env:DB_PASSWORD}`,
    );
    const created = await b0.post('/api/v1/organizations', { body: { name: 'globex' } });
    const other = createClient({ baseUrl: 'http://test', token: created.owner_token, fetch: h.fetch });
    const result = await apply(other, parseDocument(JSON.parse(text)), { env });
    expect(result.failure).toBeUndefined();
    expect((await plan(other, parseDocument(JSON.parse(text)))).changes).toEqual([]);
  });

  it('prunes what the file managed and no longer names, never what an admin made', async () => {
    await applied();
    await b0.post('/api/v1/sockets', {
      body: {
        name: 'by-hand',
        socket_type: 'tls',
        upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
      },
    });
    const smaller = document();
    smaller.sockets = smaller.sockets!.filter((s) => s.name !== 'db');
    smaller.policies![0]!.sockets = ['web'];
    const pruning = await plan(b0, smaller, { state, prune: true });
    expect(pruning.changes.map((c) => `${c.action} ${c.kind} ${c.name}`).slice(-2)).toEqual([
      'update policy ops-web',
      'delete socket db',
    ]);
    const result = await apply(b0, pruning, { env, state });
    expect(result.failure).toBeUndefined();
    const names = (await b0.get('/api/v1/sockets')).items.map((s) => s.name).sort();
    expect(names).toEqual(['by-hand', 'web']);
    expect(Object.values(result.state.organizations[pruning.organization.id]!.socket!)).toEqual(['web']);
  });
});
