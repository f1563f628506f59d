/**
 * Policy decisions at scale: decisions per second for an organization with 1, 100 and 10,000 policies over
 * 1,000 sockets (see policy-org.ts for the mix), on the paths that decide in production:
 *
 * - proxy: `PolicyCache.decide` of the proxies (policy data fetched once, then decided locally), as
 *   client-admission.ts and every later channel or statement check call it;
 * - server: what `checkAccess` (POST /api/v1/access/check) does once the policy data is loaded: get the
 *   organization's access for that data, the identity's standing, the decision with its full explanation,
 *   serialized as the response. The database read itself is not measured here.
 *
 * The same 4,096 requests (members and service accounts, every socket type, addresses in and out of range)
 * are decided for every size; sizes are interleaved over several rounds and the median round is reported, with
 * each size's rate as a ratio to the 1-policy rate of the same run.
 *
 *   pnpm --filter @border0/bench run policy-decisions [--seconds 1] [--rounds 3] [--sizes 1,100,10000]
 */
import { cpus } from 'node:os';
import { createClient } from '@border0/sdk';
import { type Decision, OrganizationAccess } from '@border0/sdk/policy';
import { PolicyCache } from '../proxies/src/control-plane/policy-cache.js';
import { OrganizationAccessCache } from '../server/src/access/organization-access-cache.js';
import { organization } from './policy-org.js';
import { emit, ratio, row } from './report.js';
import { median } from './stats.js';

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1]!;
};
const seconds = Number(arg('seconds', '1'));
const rounds = Number(arg('rounds', '3'));
const sizes = arg('sizes', '1,100,10000').split(',').map(Number);
const only = arg('paths', 'proxy,server').split(',');
const ORG = '0192f5a4-3b7e-7c1a-9d2e-00000000000a';

interface Case {
  size: number;
  org: ReturnType<typeof organization>;
  cache: PolicyCache;
  server: () => OrganizationAccess;
  allowed: number;
  applying: number;
}

async function prepare(size: number): Promise<Case> {
  const org = organization(size);
  const data = { organization_id: ORG, ...org.data, version: `v-${size}` };
  const client = createClient({
    baseUrl: 'http://control-plane',
    token: 'b0p_bench',
    fetch: async () => Response.json(data),
    retry: { retries: 0 },
  });
  const cache = new PolicyCache({ client });
  cache.setEventsLive(true);
  // The server: its OrganizationAccess for the loaded data, kept while the data's version is the same.
  const accessCache = new OrganizationAccessCache();
  const server = () => accessCache.accessFor(data);
  const access = new OrganizationAccess(org.data);
  let allowed = 0;
  let applying = 0;
  // Steady state: the proxy has fetched the data and met every socket once.
  for (const { socket, request } of org.requests) await cache.decide(ORG, socket, request);
  for (const { socket, request } of org.requests) {
    const decision = access.decide(socket, request);
    if (decision.allowed) allowed++;
    applying += access.engine.policiesFor(socket).length;
  }
  return {
    size,
    org,
    cache,
    server,
    allowed: allowed / org.requests.length,
    applying: applying / org.requests.length,
  };
}

/** Decisions per second over `seconds`, cycling through the requests. */
async function rate(step: (i: number) => unknown): Promise<number> {
  // Warm up the JIT: 2,000 decisions or a quarter of a second, whichever comes first.
  const warm = process.hrtime.bigint() + 250_000_000n;
  for (let i = 0; i < 2000 && process.hrtime.bigint() < warm; i++) await step(i);
  let decisions = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < end) {
    for (let i = 0; i < 256; i++) await step(decisions + i);
    decisions += 256;
    now = process.hrtime.bigint();
  }
  return decisions / (Number(now - start) / 1e9);
}

const paths: Record<string, (c: Case) => (i: number) => unknown> = {
  proxy: (c) => {
    const { requests } = c.org;
    return (i) => {
      const { socket, request } = requests[i & 4095]!;
      return c.cache.decide(ORG, socket, request);
    };
  },
  server: (c) => {
    const { requests } = c.org;
    return (i) => {
      const { socket, request } = requests[i & 4095]!;
      const access = c.server();
      const standing = access.standingOf(request.identity);
      const groups = standing.standing ? standing.groups : [];
      const decision: Decision = standing.standing
        ? access.engine.decide(socket, { ...request, identity: { ...request.identity, groups } })
        : { allowed: false, reason: `denied: ${standing.reason}`, permissions: null, explanation: [] };
      return JSON.stringify({ ...decision, identity: { ...request.identity, groups } }).length;
    };
  },
};

const cases: Case[] = [];
for (const size of sizes) cases.push(await prepare(size));
console.log(
  `policy decisions, one core (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}, ` +
    `${seconds} s per measurement, median of ${rounds} interleaved rounds, 1,000 sockets`,
);
for (const c of cases) {
  console.log(
    `  ${String(c.size).padStart(6)} policies: ${c.applying.toFixed(1)} apply to the average socket asked, ` +
      `${(c.allowed * 100).toFixed(1)}% of the requests allowed`,
  );
}
const results = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const [name, path] of Object.entries(paths)) {
    if (!only.includes(name)) continue;
    for (const c of cases) {
      const key = `${name}/${c.size}`;
      results.set(key, [...(results.get(key) ?? []), await rate(path(c))]);
    }
  }
}
for (const name of only) {
  const base = median(results.get(`${name}/${sizes[0]}`)!);
  for (const size of sizes) {
    const values = results.get(`${name}/${size}`)!;
    const m = median(values);
    console.log(
      `${name.padEnd(6)} ${String(size).padStart(6)} policies: ${Math.round(m).toLocaleString('en-US').padStart(10)} decisions/s ` +
        `(min ${Math.round(Math.min(...values)).toLocaleString('en-US')}, max ${Math.round(Math.max(...values)).toLocaleString('en-US')})` +
        `  ${(base / m).toFixed(2)}× slower than ${sizes[0]} (rate ratio ${(m / base).toFixed(3)})`,
    );
  }
}

const decisionRows = only.flatMap((name) =>
  sizes.map((size) =>
    row(`${name} decisions`, `${size} policies`, 'decisions/s', results.get(`${name}/${size}`)!),
  ),
);
emit({
  benchmark: 'policy-decisions',
  method:
    `decisions per second on one core, ${seconds} s per measurement, ${rounds} interleaved rounds, an ` +
    `organization of 1,000 sockets with ${sizes.join(', ')} policies (bench/policy-org.ts); proxy: ` +
    'PolicyCache.decide; server: what POST /api/v1/access/check does once the policy data is read.',
  rows: decisionRows,
  // Slowdown against the smallest organization: the inverse of the rate ratio.
  ratios: only.flatMap((name) =>
    sizes.slice(1).map((size) => {
      const r = ratio(
        decisionRows,
        `${name} decisions`,
        `${sizes[0]} policies`,
        `${size} policies`,
        name === 'proxy' && size >= 10_000 ? '≤ 3' : undefined,
      );
      return { ...r, name: `${name}: × slower with ${size} than with ${sizes[0]} policies` };
    }),
  ),
});
