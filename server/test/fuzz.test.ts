/**
 * API fuzz: random and mangled bodies to every operation that takes one (with its caller's token), random
 * query strings to every list, and random ids in the path of every operation that has one. Strings are full
 * Unicode with NUL and lone surrogate halves mixed in, and bodies nest far past the bound. Whatever arrives,
 * the answer is never a 5xx, a rejection is problem+json, and a rejected request leaves the store exactly as
 * it was; input the store cannot hold is always a 400 that names a field.
 */
import { createClient } from '@border0/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../src/app.js';
import { MAX_JSON_DEPTH } from '../src/platform/http/storable-text.js';
import { createHarness, type Harness } from './harness.js';
import {
  deeplyNested,
  holdsUnstorable,
  hostileJson,
  hostileString,
  nestingOf,
  percentEncodeWtf8,
  valueHoldsUnstorable,
} from './support/hostile-text.js';
import { operations, type SpecOperation } from './support/spec.js';
import { buildWorld, storeDigest, validRequests, type World } from './support/world.js';

const RUNS = Number(process.env.BORDER0_FUZZ_RUNS ?? 40);

function fill(path: string, params: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => percentEncodeWtf8(params[name] ?? 'missing'));
}

/** What the server must answer a request with: 400 naming `field` (or any field), or just no 5xx. */
interface Expected {
  /** The input holds a string the store cannot hold. */
  refuses?: { field?: string } | undefined;
  /** The JSON body nests past the bound. */
  tooDeep?: boolean;
}

const asBody = (body: unknown) => (body instanceof Uint8Array ? body : JSON.stringify(body));

/** A fuzzed body and what it must be answered with. */
interface FuzzBody {
  body: string | Uint8Array;
  expected: Expected;
}

/**
 * A value as a JSON body, with what its content requires of the answer. Judged on the text sent (parsed
 * back): `JSON.stringify` drops what JSON cannot hold, such as keys whose values are undefined.
 */
function asJsonBody(value: unknown): FuzzBody {
  const body = JSON.stringify(value) ?? 'null';
  const sent: unknown = JSON.parse(body);
  return {
    body,
    expected: {
      refuses: valueHoldsUnstorable(sent) ? {} : undefined,
      tooDeep: nestingOf(sent) > MAX_JSON_DEPTH,
    },
  };
}

/**
 * Bodies near the valid one (a field replaced by anything, hostile strings and deep nesting included, a field
 * dropped, a hostile field added) and bodies from nowhere. A body of bytes (a recording chunk) gets any bytes,
 * and JSON, which it refuses.
 */
function bodyArbitrary(valid: unknown): fc.Arbitrary<FuzzBody> {
  if (valid instanceof Uint8Array) {
    return fc.oneof(
      fc.uint8Array({ maxLength: 4096 }).map((body) => ({ body, expected: {} })),
      fc.jsonValue().map((value) => ({ body: JSON.stringify(value), expected: {} })),
    );
  }
  const keys = valid && typeof valid === 'object' ? Object.keys(valid) : [];
  const withField = (key: string, value: unknown) => ({ ...(valid as object), [key]: value });
  const anyValue = fc.oneof(
    fc.jsonValue(),
    hostileJson(),
    hostileString(60),
    fc.jsonValue({ maxDepth: 2 }).chain(deeplyNested),
  );
  const near = keys.length
    ? [
        fc
          .record({ key: fc.constantFrom(...keys), value: anyValue })
          .map(({ key, value }) => withField(key, value)),
        fc.constantFrom(...keys).map((key) => {
          const { [key]: _dropped, ...rest } = valid as Record<string, unknown>;
          return rest;
        }),
        fc
          .record({ key: hostileString(12).filter((k) => k.length > 0), value: anyValue })
          .map(({ key, value }) => withField(key, value)),
      ]
    : [];
  return fc.oneof(
    ...near.map((arb) => arb.map(asJsonBody)),
    fc.jsonValue().map(asJsonBody),
    hostileJson(6).map(asJsonBody),
    fc.object({ stringUnit: 'binary' }).map(asJsonBody),
    fc
      .jsonValue({ maxDepth: 2 })
      .chain((leaf) => deeplyNested(leaf))
      .map(asJsonBody),
    // Raw text: what it must be answered with depends on whether it happens to be JSON.
    hostileString(200).map((body) => ({ body, expected: {} })),
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

  /**
   * The store's digest after the last request, while no request since was accepted: only requests change the
   * store, so it is the digest before the next one (most are refused; this halves the time a case takes).
   */
  let unchangedDigest: string | undefined;

  /** Requests sent, for the record (each fuzz case sends one). */
  let cases = 0;
  afterAll(() => {
    if (process.env.BORDER0_FUZZ_REPORT) process.stdout.write(`fuzz: ${cases} requests\n`);
  });

  async function expectSafe(
    method: string,
    url: string,
    body: string | Uint8Array | undefined,
    label: string,
    token: string,
    expected: Expected = {},
  ) {
    cases++;
    const before = unchangedDigest ?? (await storeDigest(h.services.db));
    unchangedDigest = undefined;
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
      const after = await storeDigest(h.services.db);
      expect(after, `${label} changed state on ${res.status}: ${body}`).toBe(before);
      unchangedDigest = after;
    }
    if (expected.tooDeep || expected.refuses) {
      expect(res.status, `${label} must refuse ${url} ${body}: ${text}`).toBe(400);
      const problem = JSON.parse(text) as { detail: string; errors?: { field: string; message: string }[] };
      const fields = (problem.errors ?? []).map((e) => e.field);
      if (expected.tooDeep) {
        expect(problem.detail, label).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
      } else {
        expect(problem.detail, `${label}: ${text}`).toMatch(
          /U\+0000|lone UTF-16 surrogate|not valid percent-encoded/,
        );
        if (expected.refuses?.field) expect(fields, `${label}: ${text}`).toContain(expected.refuses.field);
        else expect(fields.length, `${label}: ${text}`).toBeGreaterThan(0);
      }
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
        fc.asyncProperty(bodyArbitrary(request.body), ({ body, expected }) =>
          expectSafe(op.method, fill(op.path, request.path), body, operationId, tokenFor(op), expected),
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
      fc.oneof(fc.string({ maxLength: 40 }), hostileString(40)),
    );
    for (const [operationId, request] of lists) {
      const op = operations.find((o) => o.operationId === operationId)!;
      await fc.assert(
        fc.asyncProperty(query, (q) => {
          const bad = Object.entries(q).find(([, value]) => holdsUnstorable(value));
          const search = Object.entries(q)
            .map(([name, value]) => `${name}=${percentEncodeWtf8(value)}`)
            .join('&');
          return expectSafe(
            'GET',
            `${fill(op.path, request.path)}?${search}`,
            undefined,
            operationId,
            tokenFor(op),
            { refuses: bad ? { field: `(query) ${bad[0]}` } : undefined },
          );
        }),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    }
  });

  it('answers random ids in the path of every operation without a 5xx or a change of state', {
    timeout: 300_000,
  }, async () => {
    // An event stream stays open once its request is accepted: the streams (none takes an id) are left out.
    const withIds = validRequests(world).filter(([id]) => {
      const op = operations.find((o) => o.operationId === id)!;
      return op.pathParams.length > 0 && !op.streams;
    });
    expect(withIds.length).toBeGreaterThan(30);
    for (const [operationId, request] of withIds) {
      const op = operations.find((o) => o.operationId === operationId)!;
      const id = fc.record({
        name: fc.constantFrom(...op.pathParams),
        value: fc
          .oneof(hostileString(40), fc.string({ unit: 'binary', maxLength: 40 }))
          .filter((v) => v !== ''),
      });
      await fc.assert(
        fc.asyncProperty(id, ({ name, value }) => {
          const body = request.body === undefined ? undefined : asBody(request.body);
          return expectSafe(
            op.method,
            fill(op.path, { ...request.path, [name]: value }),
            body,
            operationId,
            tokenFor(op),
            { refuses: holdsUnstorable(value) ? { field: `(path) ${name}` } : undefined },
          );
        }),
        { numRuns: Math.ceil(RUNS / 4) },
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
