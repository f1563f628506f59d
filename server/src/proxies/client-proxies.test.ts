/** Clients find the live proxies by themselves: the asked region first, stale proxies left out. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/harness.js';
import { apiCalls, type Body } from '../../test/support/api-calls.js';

describe('GET /api/v1/client/proxies', () => {
  let h: Harness;
  const { read, owner } = apiCalls(() => h);
  const register = (name: string, public_address: string, region?: string) =>
    read(
      h.request('/api/v1/proxy/register', {
        method: 'POST',
        token: h.proxyToken,
        json: { name, public_address, ...(region && { region }) },
      }),
    );

  beforeAll(async () => {
    h = await createHarness('pglite');
    await register('a-eu', 'eu.example.net:8443', 'eu');
    await register('b-us', 'us.example.net:8443', 'us');
    await register('c-none', 'other.example.net:8443');
    await register('d-gone', 'gone.example.net:8443', 'us');
    await h.services.db
      .updateTable('proxies')
      .set({ last_seen_at: new Date(Date.now() - 61_000) })
      .where('name', '=', 'd-gone')
      .execute();
  });
  afterAll(() => h?.close());

  it('lists the live proxies, the asked region first', async () => {
    const names = async (query = '') =>
      (await read(owner(`/client/proxies${query}`))).items.map((p: Body) => p.name);
    expect(await names()).toEqual(['a-eu', 'b-us', 'c-none']);
    expect(await names('?region=us')).toEqual(['b-us', 'a-eu', 'c-none']);
    expect((await read(owner('/client/proxies'))).items[1]).toEqual({
      name: 'b-us',
      public_address: 'us.example.net:8443',
      region: 'us',
    });
  });
});
