/**
 * Input the store cannot hold (NUL, lone UTF-16 surrogates, JSON nested past the bound) is refused with a 400
 * that names the field, wherever it comes: JSON bodies at any depth, object keys, query parameters, path
 * parameters, the device login endpoints and the approval form that take no token. Nothing changes.
 */
import { createClient } from '@border0/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../src/platform/http/storable-text.js';
import { createHarness, DIALECTS, type Harness } from './harness.js';
import { openPage } from './support/device-login.js';
import { percentEncodeWtf8 } from './support/hostile-text.js';
import { buildWorld, storeDigest, type World } from './support/world.js';

interface Problem {
  type: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

const NUL = '\u0000';
const HIGH = '\ud800';
const LOW = '\udfff';
const BAD = [NUL, HIGH, LOW, `${LOW}${HIGH}`, `ok${NUL}ok`, `\ud83d\ude80${HIGH}`];

for (const dialect of DIALECTS) {
  describe(`input the store cannot hold (${dialect})`, () => {
    let h: Harness;
    let world: World;
    beforeAll(async () => {
      h = await createHarness(dialect);
      const client = (token: string) =>
        createClient({ baseUrl: 'http://test', token, fetch: async (r) => h.app.fetch(r) });
      world = await buildWorld(client(h.ownerToken), 'odd', client(h.proxyToken));
    });
    afterAll(() => h?.close());

    /** Sends a request that must be refused with 400 naming `field`, and checks that it changed nothing. */
    async function expectRefused(
      field: string,
      path: string,
      init: { method?: string; body?: string; token?: string | null; form?: string } = {},
    ): Promise<Problem> {
      const before = await storeDigest(h.services.db);
      const { method = init.body || init.form ? 'POST' : 'GET', token = h.ownerToken } = init;
      const res = await h.request(path, {
        method,
        token,
        ...(init.body !== undefined && { body: init.body, headers: { 'content-type': 'application/json' } }),
        ...(init.form !== undefined && {
          body: init.form,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      });
      const text = await res.text();
      expect(res.status, `${method} ${path} ${init.body ?? ''}: ${text}`).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const problem = JSON.parse(text) as Problem;
      expect(problem.type).toBe('/problems/validation');
      expect(
        problem.errors?.map((e) => e.field),
        text,
      ).toContain(field);
      expect(await storeDigest(h.services.db), `${method} ${path} changed the store`).toBe(before);
      return problem;
    }

    /** A JSON text holding `bad` exactly where the test puts it (JSON.stringify writes lone halves as \u escapes). */
    const json = (value: unknown) => JSON.stringify(value);

    describe('JSON bodies', () => {
      it('refuses NUL and lone surrogates in top-level string values', async () => {
        for (const bad of BAD) {
          const problem = await expectRefused('description', '/api/v1/groups', {
            body: json({ name: 'valid-name', description: `x${bad}y` }),
          });
          expect(problem.errors![0]!.message).toMatch(/U\+0000|lone UTF-16 surrogate/);
          await expectRefused('name', '/api/v1/connectors', { body: json({ name: bad }) });
        }
      });

      it('names nested fields by their dotted path, array items by index', async () => {
        for (const bad of [NUL, HIGH, LOW]) {
          await expectRefused('upstream_configuration.hostname', '/api/v1/sockets', {
            body: json({
              name: 'odd-tls',
              socket_type: 'tls',
              upstream_configuration: { type: 'tls', hostname: `h${bad}`, port: 6379 },
            }),
          });
          await expectRefused('tags.team', `/api/v1/sockets/${world.socketId}`, {
            method: 'PATCH',
            body: json({ tags: { env: 'prod', team: bad } }),
          });
          await expectRefused('document.condition.who.email.1', '/api/v1/policies', {
            body: json({
              name: 'odd-policy',
              document: {
                permissions: { http: {} },
                condition: { who: { email: ['a@acme.dev', `b${bad}@acme.dev`] } },
              },
            }),
          });
          await expectRefused('identity.email', '/api/v1/access/check', {
            body: json({
              socket: world.socketName,
              identity: { email: `a${bad}@acme.dev` },
              action: { type: 'tls' },
            }),
          });
        }
      });

      it('refuses bad object keys at any depth, naming the object that holds them', async () => {
        for (const bad of [NUL, HIGH, LOW]) {
          await expectRefused('tags', `/api/v1/sockets/${world.socketId}`, {
            method: 'PATCH',
            body: json({ tags: { [`k${bad}`]: 'v' } }),
          });
          await expectRefused('(body)', '/api/v1/groups', { body: json({ name: 'ok-name', [bad]: 1 }) });
          await expectRefused('data.deep.0', `/api/v1/proxy/sessions/${world.sshSessionId}/events`, {
            token: h.proxyToken,
            body: json({ type: 'note', data: { deep: [{ [`x${bad}`]: 1 }] } }),
          });
        }
      });

      it('refuses them in session event data, where any JSON is otherwise taken', async () => {
        for (const bad of BAD) {
          await expectRefused('data.statement', `/api/v1/proxy/sessions/${world.sshSessionId}/events`, {
            token: h.proxyToken,
            body: json({ type: 'query', data: { statement: `select '${bad}'` } }),
          });
        }
      });

      it('accepts full unicode otherwise, surrogate pairs included, and stores it exactly', async () => {
        const description = 'é 中 🚀 \u0001\u001f \uffff \ud800\udc00 \u{10ffff}';
        const res = await h.request('/api/v1/groups', {
          method: 'POST',
          json: { name: 'unicode', description },
        });
        expect(res.status).toBe(201);
        const created = (await res.json()) as { id: string; description: string };
        expect(created.description).toBe(description);
        const read = (await (await h.request(`/api/v1/groups/${created.id}`)).json()) as {
          description: string;
        };
        expect(read.description).toBe(description);
        const event = await h.request(`/api/v1/proxy/sessions/${world.sshSessionId}/events`, {
          method: 'POST',
          token: h.proxyToken,
          json: { type: 'note', data: { [description]: description } },
        });
        expect(event.status, await event.clone().text()).toBe(201);
        expect(((await event.json()) as { data: unknown }).data).toEqual({ [description]: description });
      });
    });

    describe('nesting', () => {
      const nested = (levels: number, asObjects: boolean) => {
        let value: unknown = 1;
        for (let i = 0; i < levels; i++) value = asObjects ? { a: value } : [value];
        return value;
      };
      /** The same as text: JSON.stringify itself runs out of stack long before 10,000 levels. */
      const nestedText = (levels: number, asObjects: boolean) =>
        asObjects
          ? `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`
          : `${'['.repeat(levels)}1${']'.repeat(levels)}`;
      const eventPath = () => `/api/v1/proxy/sessions/${world.sshSessionId}/events`;

      it('refuses session event data 10,000 levels deep, and one level past the bound', async () => {
        for (const asObjects of [false, true]) {
          // The body and `data` are two levels.
          for (const levels of [10_000, MAX_JSON_DEPTH - 1]) {
            const problem = await expectRefused('(body)', eventPath(), {
              token: h.proxyToken,
              body: `{"type":"deep","data":{"a":${nestedText(levels, asObjects)}}}`,
            });
            expect(problem.detail).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
          }
        }
      });

      it('refuses deep nesting on any route, even with no token needed and in a body the route ignores', async () => {
        const deep = '['.repeat(100_000) + ']'.repeat(100_000);
        await expectRefused('(body)', '/api/v1/auth/device', { token: null, body: deep });
        await expectRefused('(body)', '/api/v1/groups', {
          body: json({ name: 'deep', description: nested(40, true) }),
        });
      });

      it('accepts data exactly at the bound, and brackets inside strings', async () => {
        const atBound = await h.request(eventPath(), {
          method: 'POST',
          token: h.proxyToken,
          json: { type: 'deep', data: { a: nested(MAX_JSON_DEPTH - 2, false) } },
        });
        expect(atBound.status, await atBound.clone().text()).toBe(201);
        const brackets = await h.request(eventPath(), {
          method: 'POST',
          token: h.proxyToken,
          json: { type: 'text', data: { a: '['.repeat(1000), b: '{"['.repeat(1000) } },
        });
        expect(brackets.status).toBe(201);
      });
    });

    describe('query parameters', () => {
      it('refuses them in every parameter, read by the route or not, naming it', async () => {
        for (const bad of [NUL, HIGH, LOW]) {
          const v = percentEncodeWtf8(`a${bad}`);
          await expectRefused('(query) cursor', `/api/v1/groups?cursor=${v}`);
          await expectRefused('(query) search', `/api/v1/members?search=${v}`);
          await expectRefused('(query) actor', `/api/v1/audit?actor=${v}`);
          await expectRefused('(query) socket', `/api/v1/sessions?socket=${v}`);
          await expectRefused('(query) unknown', `/api/v1/sockets?unknown=${v}`);
          await expectRefused('(query)', `/api/v1/sockets?${v}=1`);
        }
      });

      it('refuses percent-encoding that is not UTF-8', async () => {
        for (const raw of ['%FF', '%C3', '%ED%A0%80', '%E0%80%80', '50%', '%zz']) {
          const problem = await expectRefused('(query) search', `/api/v1/members?search=${raw}`);
          expect(problem.errors![0]!.message).toBe('is not valid percent-encoded UTF-8');
        }
      });

      it('accepts full unicode and a plus for a space', async () => {
        const res = await h.request(`/api/v1/members?search=${percentEncodeWtf8('é🚀')}+x`);
        expect(res.status).toBe(200);
      });
    });

    describe('path parameters', () => {
      it('refuses them in every kind of id, naming the parameter', async () => {
        for (const bad of [NUL, HIGH, LOW, `${LOW}${HIGH}`]) {
          const v = percentEncodeWtf8(`x${bad}`);
          await expectRefused('(path) group', `/api/v1/groups/${v}`);
          await expectRefused('(path) group', `/api/v1/groups/${v}`, {
            method: 'PATCH',
            body: json({ description: 'x' }),
          });
          await expectRefused('(path) socket', `/api/v1/sockets/${v}`, { method: 'DELETE' });
          await expectRefused('(path) member', `/api/v1/members/${v}`);
          await expectRefused('(path) session_id', `/api/v1/sessions/${v}/events`);
          await expectRefused('(path) member', `/api/v1/groups/${world.groupId}/members/${v}`, {
            method: 'DELETE',
          });
          await expectRefused('(path) dnsname', `/api/v1/proxy/sockets/${v}`, { token: h.proxyToken });
        }
      });

      it('refuses a path segment that is not UTF-8, also where no route matches', async () => {
        await expectRefused('(path) policy', '/api/v1/policies/%ED%B0%80');
        await expectRefused('(path)', `/api/v1/no-such-thing/${percentEncodeWtf8(NUL)}`);
      });
    });

    describe('without a token', () => {
      it('refuses them on the device login endpoints', async () => {
        for (const bad of [NUL, HIGH, LOW]) {
          await expectRefused('organization', '/api/v1/auth/device', {
            token: null,
            body: json({ organization: `acme${bad}` }),
          });
          await expectRefused('device_code', '/api/v1/auth/token', {
            token: null,
            body: json({
              grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
              device_code: `c${bad}`,
            }),
          });
          await expectRefused('refresh_token', '/api/v1/auth/token', {
            token: null,
            body: json({ grant_type: 'refresh_token', refresh_token: `b0r_${bad}` }),
          });
          await expectRefused('token', '/api/v1/auth/revoke', {
            token: null,
            body: json({ token: `b0r_${bad}` }),
          });
        }
      });

      it('refuses them in the approval form and its page', async () => {
        const page = await openPage((r) => h.app.fetch(r));
        for (const field of ['user_code', 'email', 'password', 'csrf']) {
          const fields = {
            csrf: page.csrf,
            user_code: 'BCDF-GHJK',
            email: 'a@acme.dev',
            password: 'p',
            [field]: `x${NUL}`,
          };
          await expectRefused(field, '/device', {
            token: null,
            form: new URLSearchParams(fields).toString(),
          });
        }
        await expectRefused('password', '/device', {
          token: null,
          form: `user_code=BCDF-GHJK&password=${percentEncodeWtf8(HIGH)}`,
        });
        const multipart = new FormData();
        multipart.set('csrf', page.csrf);
        multipart.set('email', `a${NUL}@acme.dev`);
        const before = await storeDigest(h.services.db);
        const res = await h.app.fetch(new Request('http://test/device', { method: 'POST', body: multipart }));
        expect(res.status).toBe(400);
        expect(((await res.json()) as Problem).errors?.[0]?.field).toBe('email');
        expect(await storeDigest(h.services.db)).toBe(before);
        await expectRefused('(query) user_code', `/device?user_code=${percentEncodeWtf8(NUL)}`, {
          token: null,
        });
      });
    });
  });
}
