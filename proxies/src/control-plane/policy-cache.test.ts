/**
 * The policy cache's rules of time: data is current while change events arrive, whatever its age; once they
 * stop, it may be used for `maxAgeMs` more; past that it is fetched again, and when that fails every decision
 * fails closed. The control plane's answers come through the real SDK client from a `fetch` that serves the
 * policy data the API would, so the cache is tested without a server.
 */
import { createClient } from '@border0/sdk';
import type { SocketInput } from '@border0/sdk/policy';
import { describe, expect, it } from 'vitest';
import { PolicyCache } from './policy-cache.js';

const ORG = '0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e';
const socket: SocketInput = { id: 'sock-1', socket_type: 'tls', tags: {} };
const tls = (email: string) => ({ identity: { email }, action: { type: 'tls' as const } });

/** Policy data allowing tls to alice and bob, with only `members` having standing. */
const policyData = (members: string[]) => ({
  organization_id: ORG,
  policies: [
    {
      id: 'p1',
      name: 'people',
      document: {
        version: 'v2',
        permissions: { tls: {} },
        condition: { who: { email: ['alice@acme.dev', 'bob@acme.dev'] } },
      },
      org_wide: true,
      tag_rules: [],
      socket_ids: [],
    },
  ],
  identities: members.map((email) => ({ email, groups: [] })),
  service_accounts: [],
  version: members.join(','),
});

/** A control plane that answers with `data()` until `down` is set, and counts the fetches. */
function controlPlane() {
  const state = { members: ['alice@acme.dev', 'bob@acme.dev'], down: false, fetches: 0 };
  const fetch = async (request: Request) => {
    state.fetches++;
    if (state.down) throw new TypeError('fetch failed: connect ECONNREFUSED');
    expect(new URL(request.url).pathname).toBe(`/api/v1/proxy/organizations/${ORG}/policy-data`);
    return Response.json(policyData(state.members));
  };
  const client = createClient({
    baseUrl: 'http://control-plane',
    token: 'b0p_test',
    fetch,
    retry: { retries: 0 },
  });
  return { state, client };
}

describe('PolicyCache', () => {
  it('decides on standing: a member removed since the fetch before is denied once the data is fetched again', async () => {
    const { state, client } = controlPlane();
    const cache = new PolicyCache({ client });
    cache.setEventsLive(true);
    expect((await cache.decide(ORG, socket, tls('bob@acme.dev'))).allowed).toBe(true);
    state.members = ['alice@acme.dev'];
    cache.invalidate(ORG); // the change event
    const denied = await cache.decide(ORG, socket, tls('bob@acme.dev'));
    expect(denied.allowed).toBe(false);
    expect(denied.reason).toMatch(/not a member/);
    expect((await cache.decide(ORG, socket, tls('alice@acme.dev'))).allowed).toBe(true);
  });

  it('keeps data current while events arrive, whatever its age', async () => {
    let now = 0;
    const { state, client } = controlPlane();
    const cache = new PolicyCache({ client, maxAgeMs: 1000, now: () => now });
    cache.setEventsLive(true);
    await cache.decide(ORG, socket, tls('alice@acme.dev'));
    now = 1_000_000;
    expect((await cache.decide(ORG, socket, tls('alice@acme.dev'))).allowed).toBe(true);
    expect(state.fetches).toBe(1);
  });

  it('uses data for maxAgeMs after events stop, then fetches again, and fails closed when it cannot', async () => {
    let now = 0;
    const { state, client } = controlPlane();
    const cache = new PolicyCache({ client, maxAgeMs: 1000, now: () => now });
    cache.setEventsLive(true);
    await cache.decide(ORG, socket, tls('alice@acme.dev'));
    now = 500_000;
    cache.setEventsLive(false);
    state.down = true;
    // Within the limit, counted from when events stopped: the cached data decides.
    now += 900;
    expect((await cache.decide(ORG, socket, tls('alice@acme.dev'))).allowed).toBe(true);
    expect(await cache.available(ORG)).toBe(true);
    // Past it: fetched again, which fails: denied, and saying why.
    now += 200;
    const denied = await cache.decide(ORG, socket, tls('alice@acme.dev'));
    expect(denied.allowed).toBe(false);
    expect(denied.reason).toMatch(/could not be fetched .*failing closed/);
    expect(await cache.available(ORG)).toBe(false);
    // Back: fetched, decided.
    state.down = false;
    expect((await cache.decide(ORG, socket, tls('alice@acme.dev'))).allowed).toBe(true);
  });

  it('never decides without data: a first fetch that fails is a denial, and is not remembered', async () => {
    const { state, client } = controlPlane();
    const cache = new PolicyCache({ client });
    state.down = true;
    expect((await cache.decide(ORG, socket, tls('alice@acme.dev'))).allowed).toBe(false);
    state.down = false;
    expect((await cache.decide(ORG, socket, tls('alice@acme.dev'))).allowed).toBe(true);
  });
});
