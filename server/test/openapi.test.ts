/** The contract itself: the server's generated document equals spec/openapi.yaml, and the docs are served. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { documentedApp, generatedDocument } from './support/openapi-document.js';
import { schemaErrors, spec } from './support/spec.js';

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
      'exchangeWebIdentityToken',
    ];
    const marked = posts.filter((op) => op['x-idempotent']).map((op) => op.operationId);
    expect(marked.filter((id) => oneTime.includes(id))).toEqual([]);
    expect(posts.map((op) => op.operationId)).toEqual(expect.arrayContaining(oneTime));
  });
});

describe('examples: every request body and every problem has one, and it is valid', () => {
  type Media = {
    schema?: unknown;
    example?: unknown;
    examples?: Record<string, { value?: unknown; $ref?: string }>;
  };
  type Op = {
    operationId: string;
    requestBody?: { content: Record<string, Media> };
    responses: Record<string, { content?: Record<string, Media> }>;
  };
  const ops: Op[] = Object.values(spec.paths as Record<string, Record<string, Op>>).flatMap((item) =>
    Object.values(item).filter((op) => typeof op === 'object' && op !== null && 'operationId' in op),
  );
  /** The example values of a media type: `example`, or each of `examples` (a reference resolved). */
  const examplesOf = (media: Media): unknown[] => {
    if (media.example !== undefined) return [media.example];
    return Object.values(media.examples ?? {}).map((example) => {
      const name = example.$ref?.replace('#/components/examples/', '');
      return name === undefined ? example.value : spec.components.examples[name].value;
    });
  };
  const bodies = ops.flatMap((op) =>
    Object.entries(op.requestBody?.content ?? {}).map(([mediaType, media]) => ({ op, mediaType, media })),
  );
  const problems = ops.flatMap((op) =>
    Object.entries(op.responses)
      .filter(([status]) => Number(status) >= 400)
      .flatMap(([status, response]) =>
        Object.entries(response.content ?? {}).map(([mediaType, media]) => ({
          op,
          status,
          mediaType,
          media,
        })),
      ),
  );

  it('every request body has an example that its schema accepts', () => {
    expect(bodies.length).toBeGreaterThan(40);
    for (const { op, mediaType, media } of bodies) {
      const where = `${op.operationId} ${mediaType}`;
      const examples = examplesOf(media);
      expect(examples.length, `${where}: no example (pass one to jsonBody)`).toBeGreaterThan(0);
      for (const example of examples) expect(schemaErrors(media.schema, example), where).toEqual([]);
    }
  });

  it('every error response has an example that its schema accepts', () => {
    expect(problems.length).toBeGreaterThan(400);
    for (const { op, status, mediaType, media } of problems) {
      const where = `${op.operationId} ${status} ${mediaType}`;
      const examples = examplesOf(media);
      expect(examples.length, `${where}: no example (see problem-examples.ts)`).toBeGreaterThan(0);
      for (const example of examples) {
        expect(schemaErrors(media.schema, example), where).toEqual([]);
        if (mediaType === 'application/problem+json')
          expect((example as { status: number }).status).toBe(Number(status));
      }
    }
  });

  it('the route’s own validation accepts each JSON body example (zod, with its refinements)', () => {
    let checked = 0;
    for (const definition of documentedApp().openAPIRegistry.definitions) {
      if (definition.type !== 'route') continue;
      const content = definition.route.request?.body?.content ?? {};
      const json = content['application/json'] as
        | { schema: { safeParse(value: unknown): { success: boolean; error?: unknown } }; example?: unknown }
        | undefined;
      if (!json) continue;
      const result = json.schema.safeParse(json.example);
      expect(result.success, `${definition.route.operationId}: ${String(result.error)}`).toBe(true);
      checked++;
    }
    expect(checked).toBe(bodies.filter((b) => b.mediaType === 'application/json').length);
  });
});

describe('examples: the server accepts the request body examples', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('pglite');
  });
  afterAll(() => h?.close());

  const exampleOf = (operationId: string) => {
    for (const [path, item] of Object.entries(
      spec.paths as Record<
        string,
        Record<
          string,
          { operationId?: string; requestBody?: { content: Record<string, { example?: unknown }> } }
        >
      >,
    )) {
      for (const [method, op] of Object.entries(item)) {
        if (op.operationId === operationId)
          return { path, method, body: op.requestBody?.content['application/json']?.example };
      }
    }
    throw new Error(`no operation ${operationId}`);
  };

  /**
   * The examples an organization's owner sends, in an order where each succeeds: each names what an earlier
   * one made (the socket `grafana`, the member `bob@acme.dev`...), as a reader would follow them.
   */
  const CALLS: [operationId: string, params: Record<string, string>, token?: 'proxy'][] = [
    ['createConnector', {}],
    ['createConnectorToken', { connector: 'office-lan' }],
    ['updateConnector', { connector: 'office-lan' }],
    ['createSocket', {}],
    ['updateSocket', { socket: 'grafana' }],
    ['addMember', {}],
    ['updateMember', { member: 'bob@acme.dev' }],
    ['setMemberPassword', { member: 'bob@acme.dev' }],
    ['createInvitation', {}],
    ['createGroup', {}],
    ['updateGroup', { group: 'engineers' }],
    ['addGroupMember', { group: 'platform-engineers' }],
    ['createServiceAccount', {}],
    ['updateServiceAccount', { service_account: 'deploy-bot' }],
    ['createServiceAccountToken', { service_account: 'deploy-bot' }],
    ['createServiceAccountWebIdentity', { service_account: 'deploy-bot' }],
    ['createToken', {}],
    ['createPolicy', {}],
    ['updatePolicy', { policy: 'engineers-ssh' }],
    ['attachPolicySocket', { policy: 'engineers-ssh' }],
    ['testPolicy', { policy: 'engineers-ssh' }],
    ['checkAccess', {}],
    ['createIdentityProvider', {}],
    ['updateIdentityProvider', { identity_provider: 'google' }],
    ['updateOrganization', { organization: 'current' }],
    ['registerProxy', {}, 'proxy'],
  ];

  it.each(CALLS)('%s', async (operationId, params, token) => {
    const { path, method, body } = exampleOf(operationId);
    expect(body, `${operationId} has no JSON example`).toBeDefined();
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]!));
    const res = await h.request(url, {
      method: method.toUpperCase(),
      json: body,
      ...(token === 'proxy' && { token: h.proxyToken }),
    });
    expect(res.status, `${operationId}: ${await res.clone().text()}`).toBeLessThan(300);
  });
});
