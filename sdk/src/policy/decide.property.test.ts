/** Properties of the engine over random policies and requests (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from './decide.js';
import type { PolicyDocumentValue } from './document.js';
import type { AccessAction, AccessRequest, PolicyInput, SocketInput } from './types.js';

const GROUPS = ['0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e', '0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4f'];
const EMAILS = ['alice@acme.dev', 'bob@acme.dev', 'carol@acme.dev'];
const IPS = ['203.0.113.7', '10.1.2.3', '2001:db8::1', '::ffff:198.51.100.4'];
const RANGES = ['203.0.113.0/24', '10.0.0.0/8', '2001:db8::/32', '0.0.0.0/0', '198.51.100.0/25'];
const COUNTRIES = ['NL', 'US', 'KP'];
const DATES = ['2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z', '2027-01-01T00:00:00Z'];
const TIMES = ['00:00', '06:00', '08:00', '12:30', '18:00', '22:00'].flatMap((t) => [
  `${t} UTC`,
  `${t} Europe/Amsterdam`,
]);
const SOCKETS: SocketInput[] = [
  { id: 's-ssh', socket_type: 'ssh', tags: { env: 'prod' } },
  { id: 's-db', socket_type: 'database', tags: { env: 'dev' } },
  { id: 's-web', socket_type: 'http', tags: {} },
];

const sub = <T>(items: T[]) => fc.subarray(items, { minLength: 1 });
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const strip = <T extends object>(o: T) => JSON.parse(JSON.stringify(o)) as T;

const when = fc
  .record({
    after: opt(fc.constantFrom(...DATES)),
    time_of_day_after: opt(fc.constantFrom(...TIMES)),
    time_of_day_before: opt(fc.constantFrom(...TIMES)),
  })
  .map(strip);

const document: fc.Arbitrary<PolicyDocumentValue> = fc
  .record({
    permissions: fc.record(
      {
        ssh: fc.record(
          {
            shell: fc.constant({}),
            exec: fc.record({ commands: opt(sub(['uptime', 'df -h', 'id'])) }).map(strip),
            sftp: fc.constant({}),
            tcp_forwarding: fc.constant({}),
            allowed_usernames: sub(['ubuntu', 'root']),
          },
          { requiredKeys: [] },
        ),
        database: fc.record(
          {
            allowed_databases: fc.array(
              fc.record({
                database: fc.constantFrom('app', '*'),
                allowed_query_types: sub(['read_only', 'read_write', 'all'] as const),
              }),
              { maxLength: 2 },
            ),
          },
          { requiredKeys: [] },
        ),
        http: fc.constant({}),
        tls: fc.constant({}),
      },
      { requiredKeys: [] },
    ),
    condition: fc.record(
      {
        who: fc.record({ email: sub(EMAILS), group: sub(GROUPS) }, { requiredKeys: [] }),
        where: fc.record(
          { allowed_ip: sub(RANGES), country: sub(COUNTRIES), country_not: sub(COUNTRIES) },
          { requiredKeys: [] },
        ),
        when,
      },
      { requiredKeys: [] },
    ),
  })
  .map((d) => d as PolicyDocumentValue);

let ids = 0;
const policy: fc.Arbitrary<PolicyInput> = fc
  .record({
    document,
    org_wide: fc.boolean(),
    tag_rules: fc.array(fc.constantFrom({ env: 'prod' }, { env: 'dev' }), { maxLength: 1 }),
    socket_ids: fc.subarray(SOCKETS.map((s) => s.id)),
  })
  .map((p) => ({ ...p, id: `p${++ids}`, name: `policy-${ids}` }));

const action: fc.Arbitrary<AccessAction> = fc.oneof(
  fc
    .record({
      type: fc.constant('ssh' as const),
      kind: fc.constantFrom('connect' as const, 'shell' as const, 'sftp' as const),
      username: opt(fc.constantFrom('ubuntu', 'root')),
    })
    .map(strip),
  fc.record({
    type: fc.constant('ssh' as const),
    kind: fc.constant('exec' as const),
    command: fc.constantFrom('uptime', 'id', 'reboot'),
  }),
  fc
    .record({
      type: fc.constant('database' as const),
      database: opt(fc.constantFrom('app', 'billing')),
      query_type: opt(fc.constantFrom('read_only' as const, 'ddl' as const)),
    })
    .map(strip),
  fc.constant({ type: 'http' as const }),
);

const request: fc.Arbitrary<AccessRequest> = fc.record({
  identity: fc.record({ email: opt(fc.constantFrom(...EMAILS)), groups: opt(sub(GROUPS)) }),
  action,
  ip: opt(fc.constantFrom(...IPS)),
  country: fc.constantFrom('NL', 'US', 'KP', null),
  time: fc.date({
    min: new Date('2025-06-01T00:00:00Z'),
    max: new Date('2027-06-01T00:00:00Z'),
    noInvalidDate: true,
  }),
});
const socket = fc.constantFrom(...SOCKETS);

describe('policy engine properties', () => {
  it('denies every request when there is no policy', () => {
    fc.assert(
      fc.property(socket, request, (s, r) => {
        expect(decide([], s, r).allowed).toBe(false);
      }),
    );
  });

  it('never removes access when a policy is added (monotonic)', () => {
    fc.assert(
      fc.property(fc.array(policy, { maxLength: 6 }), policy, socket, request, (policies, extra, s, r) => {
        if (decide(policies, s, r).allowed) expect(decide([...policies, extra], s, r).allowed).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('denies a request outside every policy’s validity period', () => {
    const bounded = fc
      .tuple(policy, fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }))
      .map(([p, startDay, length]) => {
        const after = new Date(Date.UTC(2026, 0, startDay));
        const before = new Date(after.getTime() + length * 86_400_000);
        return {
          ...p,
          document: {
            ...p.document,
            condition: {
              ...p.document.condition,
              when: { after: after.toISOString(), before: before.toISOString() },
            },
          },
        };
      });
    fc.assert(
      fc.property(
        fc.array(bounded, { minLength: 1, maxLength: 6 }),
        socket,
        request,
        fc.boolean(),
        (policies, s, r, early) => {
          // Before 2026 or after every window has closed.
          const time = early ? new Date('2025-12-31T23:59:59Z') : new Date('2027-12-01T00:00:00Z');
          const d = decide(policies, s, { ...r, time });
          expect(d.allowed).toBe(false);
          for (const verdict of d.explanation) {
            if (verdict.failed === 'when') expect(verdict.reason).toMatch(/^when: /);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('denies a request outside every policy’s daily window', () => {
    const daily = policy.map((p) => ({
      ...p,
      document: {
        ...p.document,
        condition: {
          ...p.document.condition,
          when: { time_of_day_after: '09:00 UTC', time_of_day_before: '17:00 UTC' },
        },
      },
    }));
    fc.assert(
      fc.property(
        fc.array(daily, { minLength: 1, maxLength: 6 }),
        socket,
        request,
        fc.integer({ min: 17 * 60, max: 33 * 60 - 1 }),
        (policies, s, r, minute) => {
          const time = new Date(Date.UTC(2026, 10, 26, 0, minute));
          expect(decide(policies, s, { ...r, time }).allowed).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('explains every applying policy, and allows exactly when one matched', () => {
    fc.assert(
      fc.property(fc.array(policy, { maxLength: 6 }), socket, request, (policies, s, r) => {
        const d = decide(policies, s, r);
        expect(d.allowed).toBe(d.explanation.some((v) => v.matched));
        for (const v of d.explanation) {
          expect(v.reason.length).toBeGreaterThan(0);
          if (!v.matched) expect(v.reason.startsWith(`${v.failed}: `)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
