/**
 * Body fuzz: random and mangled bodies to every operation that takes one (with its caller's token), and
 * random query strings to every list. Whatever arrives, the answer is never a 5xx, a rejection is problem+json, and a rejected request
 * leaves the store exactly as it was.
 */
import { createClient } from '@border0/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../src/app.js';
import { createHarness, type Harness } from './harness.js';
import { operations, type SpecOperation } from './support/spec.js';
import { buildWorld, storeDigest, validRequests, type World } from './support/world.js';

const RUNS = Number(process.env.BORDER0_FUZZ_RUNS ?? 40);

function fill(path: string, params: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? 'missing'));
}

/**
 * Bodies near the valid one (a field replaced, dropped or added) and bodies from nowhere. A body of bytes (a
 * recording chunk) gets any bytes, and JSON, which it refuses.
 */
function bodyArbitrary(valid: unknown): fc.Arbitrary<string | Uint8Array> {
  if (valid instanceof Uint8Array) {
    return fc.oneof(
      fc.uint8Array({ maxLength: 4096 }),
      fc.jsonValue().map((value) => JSON.stringify(value)),
    );
  }
  const keys = valid && typeof valid === 'object' ? Object.keys(valid) : [];
  const near = keys.length
    ? [
        fc.record({ key: fc.constantFrom(...keys), value: fc.jsonValue() }).map(({ key, value }) => ({
          ...(valid as object),
          [key]: value,
        })),
        fc.constantFrom(...keys).map((key) => {
          const { [key]: _dropped, ...rest } = valid as Record<string, unknown>;
          return rest;
        }),
        fc
          .record({ key: fc.string({ minLength: 1, maxLength: 12 }), value: fc.jsonValue() })
          .map(({ key, value }) => ({
            ...(valid as object),
            [key]: value,
          })),
      ]
    : [];
  return fc.oneof(
    ...near.map((arb) => arb.map((body) => JSON.stringify(body))),
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc.object().map((value) => JSON.stringify(value) ?? 'null'),
    fc.string({ maxLength: 200 }),
  );
}

describe('body fuzz (pglite)', () => {
  let h: Harness;
  let world: World;
  beforeAll(async () => {
    h = await createHarness('pglite');
    const b0 = createClient({
      baseUrl: 'http://test',
      token: h.ownerToken,
      fetch: async (r) => h.app.fetch(r),
    });
    const proxy = createClient({
      baseUrl: 'http://test',
      token: h.proxyToken,
      fetch: async (r) => h.app.fetch(r),
    });
    world = await buildWorld(b0, 'fuzz', proxy);
  });
  afterAll(() => h?.close());

  /** Each operation is fuzzed with the token of its caller, so that bodies reach its validation and logic. */
  const tokenFor = (op: SpecOperation) =>
    ({
      organization: h.ownerToken,
      proxy: h.proxyToken,
      connector: world.connectorToken,
      public: h.ownerToken,
    })[op.caller];

  async function expectSafe(
    method: string,
    url: string,
    body: string | Uint8Array | undefined,
    label: string,
    token: string,
  ) {
    const before = await storeDigest(h.services.db);
    const type = typeof body === 'string' ? 'application/json' : 'application/octet-stream';
    const res = await h.request(url, {
      method,
      token,
      ...(body !== undefined && { body, headers: { 'content-type': type } }),
    });
    const text = await res.text();
    expect(res.status, `${label} ${body}: ${text}`).toBeLessThan(500);
    if (res.status >= 400) {
      // The device token endpoint answers its own errors in the RFC 8628 shape; everything else is a problem.
      if (res.headers.get('content-type')?.startsWith('application/json') && label === 'requestDeviceToken') {
        expect(JSON.parse(text).error, label).toEqual(expect.any(String));
      } else {
        expect(res.headers.get('content-type'), label).toBe('application/problem+json');
        expect(JSON.parse(text).detail, label).toEqual(expect.any(String));
      }
      expect(await storeDigest(h.services.db), `${label} changed state on ${res.status}: ${body}`).toBe(
        before,
      );
    }
  }

  it('answers random bodies to every operation with a body without a 5xx or a change of state', {
    timeout: 300_000,
  }, async () => {
    const withBody = validRequests(world).filter(
      ([id]) => operations.find((o) => o.operationId === id)!.hasBody,
    );
    expect(withBody.length).toBe(operations.filter((o) => o.hasBody).length);
    for (const [operationId, request] of withBody) {
      const op = operations.find((o) => o.operationId === operationId)!;
      await fc.assert(
        fc.asyncProperty(bodyArbitrary(request.body), (body) =>
          expectSafe(op.method, fill(op.path, request.path), body, operationId, tokenFor(op)),
        ),
        { numRuns: RUNS },
      );
    }
  });

  it('answers random query strings to every list without a 5xx', { timeout: 120_000 }, async () => {
    const lists = validRequests(world).filter(([id]) => {
      const op = operations.find((o) => o.operationId === id)!;
      // An event stream stays open and takes no query.
      return op.method === 'GET' && op.responses['200'] !== undefined && !op.streams;
    });
    const query = fc.dictionary(
      fc.constantFrom(
        'limit',
        'cursor',
        'socket',
        'socket_type',
        'tag',
        'search',
        'from',
        'to',
        'live',
        'role',
        'x',
      ),
      fc.string({ maxLength: 40 }),
    );
    for (const [operationId, request] of lists) {
      const op = operations.find((o) => o.operationId === operationId)!;
      await fc.assert(
        fc.asyncProperty(query, (q) =>
          expectSafe(
            'GET',
            `${fill(op.path, request.path)}?${new URLSearchParams(q)}`,
            undefined,
            operationId,
            tokenFor(op),
          ),
        ),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    }
  });

  it('refuses an oversize body with 413 and a non-JSON body with 415', async () => {
    const huge = JSON.stringify({ name: 'x', description: 'a'.repeat(MAX_BODY_BYTES) });
    const big = await h.request('/api/v1/sockets', {
      method: 'POST',
      body: huge,
      headers: { 'content-type': 'application/json' },
    });
    expect(big.status).toBe(413);
    const form = await h.request('/api/v1/sockets', {
      method: 'POST',
      body: 'name=web',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(((await form.json()) as { type: string }).type).toBe('/problems/unsupported-media-type');
  });
});
