/**
 * Policy engine throughput: decisions per second on one core for 1, 100 and 1,000 policies that all apply to
 * the socket, the worst case (every policy is evaluated and explained). The decision asked is the realistic
 * one: a person whose only matching policy is the last one, from an address inside its ranges, in its window.
 *
 *   pnpm --filter @border0/bench run policy-engine [--seconds 2]
 */
import { cpus } from 'node:os';
import { type AccessRequest, PolicyEngine, type PolicyInput, type SocketInput } from '@border0/sdk/policy';

const flag = process.argv.indexOf('--seconds');
const seconds = flag === -1 ? 2 : Number(process.argv[flag + 1]);
const socket: SocketInput = { id: 'sock-1', socket_type: 'ssh', tags: { env: 'prod', team: 'infra' } };

function policies(count: number): PolicyInput[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `policy-${i}`,
    name: `policy-${i}`,
    org_wide: i % 3 === 0,
    socket_ids: i % 3 === 1 ? ['sock-1'] : [],
    tag_rules: i % 3 === 2 ? [{ env: 'prod' }] : [],
    document: {
      permissions: {
        ssh: {
          shell: {},
          exec: { commands: ['uptime', 'df -h', `deploy-${i}`] },
          allowed_usernames: ['ubuntu', 'deploy'],
          max_session_duration_seconds: 3600 + i,
        },
      },
      condition: {
        who: { email: Array.from({ length: 10 }, (_, j) => `user-${i}-${j}@acme.dev`), group: [] },
        where: {
          allowed_ip: ['10.0.0.0/8', '192.168.0.0/16', '203.0.113.0/24', '2001:db8::/32'],
          country_not: ['KP'],
        },
        ...(i % 4 === 0 && {
          when: { time_of_day_after: '06:00 Europe/Amsterdam', time_of_day_before: '23:00 Europe/Amsterdam' },
        }),
      },
    },
  }));
}

function measure(count: number): { perSecond: number; allowed: boolean } {
  const engine = new PolicyEngine(policies(count));
  const request: AccessRequest = {
    identity: { email: `user-${count - 1}-3@acme.dev` },
    action: { type: 'ssh', kind: 'exec', command: 'uptime', username: 'ubuntu' },
    ip: '203.0.113.7',
    country: 'NL',
    time: new Date('2026-11-26T12:00:00Z'),
  };
  let allowed = engine.decide(socket, request).allowed;
  // Warm up the JIT before the clock starts.
  for (let i = 0; i < 2000; i++) allowed = engine.decide(socket, request).allowed;
  let decisions = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(seconds * 1e9);
  let now = start;
  while (now < end) {
    for (let i = 0; i < 200; i++) engine.decide(socket, request);
    decisions += 200;
    now = process.hrtime.bigint();
  }
  return { perSecond: decisions / (Number(now - start) / 1e9), allowed };
}

console.log(`policy engine, one core (${cpus()[0]?.model ?? 'unknown cpu'}), ${seconds} s per case`);
let baseline: number | undefined;
for (const count of [1, 100, 1000]) {
  const { perSecond, allowed } = measure(count);
  baseline ??= perSecond;
  console.log(
    `${String(count).padStart(5)} policies: ${Math.round(perSecond).toLocaleString('en-US').padStart(10)} decisions/s` +
      `  (${(perSecond / baseline).toFixed(3)}× the 1-policy rate, last decision ${allowed ? 'allowed' : 'denied'})`,
  );
}
