import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

for (const dialect of DIALECTS) {
  describe(`organizations (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(() => h?.close());

    it('creates an organization owned by the caller, with a one-time owner token that works there', async () => {
      const res = await h.request('/api/v1/organizations', {
        method: 'POST',
        json: { name: 'globex', display_name: 'Globex' },
      });
      expect(res.status).toBe(201);
      const created = (await res.json()) as Json;
      expect(created).toMatchObject({ name: 'globex', domain: 'globex.localhost', role: 'owner' });
      const current = (await (
        await h.request('/api/v1/organizations/current', { token: created.owner_token })
      ).json()) as Json;
      expect(current.id).toBe(created.id);
      const mine = (await (await h.request('/api/v1/organizations')).json()) as Json;
      expect(mine.items.map((o: Json) => o.name).sort()).toEqual(['acme', 'globex']);
      const again = await h.request('/api/v1/organizations', { method: 'POST', json: { name: 'globex' } });
      expect(again.status).toBe(409);
    });

    it('reads the token’s organization by id, name or `current`, and no other', async () => {
      const current = (await (await h.request('/api/v1/organizations/current')).json()) as Json;
      for (const ref of [current.id, 'acme']) {
        expect((await h.request(`/api/v1/organizations/${ref}`)).status).toBe(200);
      }
      expect((await h.request('/api/v1/organizations/globex')).status).toBe(404);
    });

    it('updates the display name under If-Match', async () => {
      const get = await h.request('/api/v1/organizations/current');
      const etag = get.headers.get('etag')!;
      const ok = await h.request('/api/v1/organizations/current', {
        method: 'PATCH',
        json: { display_name: 'Acme Corporation' },
        headers: { 'if-match': etag },
      });
      expect(((await ok.json()) as Json).display_name).toBe('Acme Corporation');
      const stale = await h.request('/api/v1/organizations/current', {
        method: 'PATCH',
        json: { display_name: 'Stale' },
        headers: { 'if-match': etag },
      });
      expect(stale.status).toBe(412);
      expect(((await stale.json()) as Json).type).toBe('/problems/precondition-failed');
    });
  });
}
