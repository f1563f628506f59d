/** The contract itself: the server's generated document equals spec/openapi.yaml, and the docs are served. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { generatedDocument } from './support/openapi-document.js';
import { spec } from './support/spec.js';

describe('OpenAPI drift', () => {
  it('the document the server generates equals spec/openapi.yaml', async () => {
    // toEqual ignores key order but not array order: a reordered enum or `required` list is drift too.
    expect(await generatedDocument()).toEqual(spec);
  });
});

describe('served documents and health', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('pglite');
  });
  afterAll(() => h?.close());

  it('serves the spec at /api/openapi.json without a token', async () => {
    const res = await h.request('/api/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(spec);
  });

  it('serves an interactive reference at /api/docs', async () => {
    const res = await h.request('/api/docs', { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('/api/openapi.json');
  });

  it('loads the reference only from this origin: its scripts are same-origin paths, its CSP says so', async () => {
    const res = await h.request('/api/docs', { token: null });
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/\ssrc="\/api\/docs\/assets\/[\w.-]+"/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link\b/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self';/);
    expect(csp).toMatch(/default-src 'none'/);
    for (const src of html.matchAll(/\ssrc="([^"]+)"/g)) {
      const asset = await h.request(src[1]!, { token: null });
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
      const code = await asset.text();
      // The page's script imports the bundle beside it: that must be served from here too.
      for (const imported of code.matchAll(/from '\.\/([\w.-]+)'/g)) {
        const bundle = await h.request(`/api/docs/assets/${imported[1]}`, { token: null });
        expect(bundle.status).toBe(200);
        const text = await bundle.text();
        expect(text.length).toBeGreaterThan(100_000);
        expect(text).not.toContain('https://cdn.redoc.ly/');
      }
    }
  });

  it('answers /healthz and /readyz', async () => {
    expect(await (await h.request('/healthz', { token: null })).json()).toEqual({ status: 'ok' });
    expect(await (await h.request('/readyz', { token: null })).json()).toEqual({ status: 'ready' });
  });

  it('serves no metrics: they are on the operations address (http-server.test.ts)', async () => {
    expect((await h.request('/metrics', { token: null })).status).toBe(404);
  });

  it('tags every response with a request id', async () => {
    const res = await h.request('/api/v1/sockets');
    expect(res.headers.get('x-request-id')).toMatch(/\S+/);
  });
});

describe('x-idempotent: what clients may repeat', () => {
  type Operation = {
    operationId: string;
    'x-idempotent'?: boolean;
    parameters?: { in: string; name: string }[];
  };
  const posts = Object.values(spec.paths as Record<string, Record<string, Operation & { responses: object }>>)
    .map((item) => item.post)
    .filter((op) => op !== undefined);
  const takesKey = (op: Operation) =>
    (op.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
  /** Creates that spend something once: a repeat must not answer the first result again. */
  const ONE_TIME_CREATES = ['startTotpEnrolment', 'createWebSession', 'openWebTerminal'];

  it('marks every create, and each marked create takes an Idempotency-Key', () => {
    const creates = posts.filter((op) => '201' in op.responses && !ONE_TIME_CREATES.includes(op.operationId));
    expect(creates.length).toBeGreaterThan(15);
    for (const op of creates) {
      expect({ op: op.operationId, marked: op['x-idempotent'], key: takesKey(op) }).toEqual({
        op: op.operationId,
        marked: true,
        key: true,
      });
    }
    for (const op of posts.filter(takesKey)) expect(op['x-idempotent'], op.operationId).toBe(true);
  });

  it('marks no one-time action', () => {
    const oneTime = [
      ...ONE_TIME_CREATES,
      'requestDeviceToken',
      'startDeviceLogin',
      'revokeLogin',
      'acceptInvitation',
      'confirmTotpEnrolment',
      'logoutEverywhere',
      'terminateSession',
      'getSshUpstreamCredentials',
      'getDatabaseUpstreamCredentials',
      'endProxyRecording',
    ];
    const marked = posts.filter((op) => op['x-idempotent']).map((op) => op.operationId);
    expect(marked.filter((id) => oneTime.includes(id))).toEqual([]);
    expect(posts.map((op) => op.operationId)).toEqual(expect.arrayContaining(oneTime));
  });
});
