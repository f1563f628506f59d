/**
 * The indexed engine (by socket, tag and identity) against the scan of every policy, on random organizations,
 * identities and requests (fast-check): the same decision, reason, permissions and explanation, in the same
 * order, for every permission type, including the default deny when nothing applies or matches.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appliesToSocket, compilePolicy } from './compile.js';
import { decideWith, PolicyEngine } from './decide.js';
import type { PolicyDocumentValue } from './document.js';
import type { AccessAction, AccessRequest, Decision, PolicyInput, SocketInput, SocketType } from './types.js';

const uuid = (n: number) => `0192f5a4-3b7e-7c1a-9d2e-${n.toString(16).padStart(12, '0')}`;
const GROUPS = [uuid(1), uuid(2), uuid(3), uuid(4)];
const EMAILS = ['alice@acme.dev', 'Bob@Acme.dev', 'carol@acme.dev', 'dave@acme.dev'];
const ACCOUNTS = ['ci-deployer', 'backup-robot', 'monitor'];
const SOCKET_IDS = [uuid(100), uuid(101), uuid(102), uuid(103), uuid(104), uuid(105)];
const TYPES: SocketType[] = ['ssh', 'database', 'http', 'tls'];
const RANGES = ['203.0.113.0/24', '10.0.0.0/8', '2001:db8::/32', '198.51.100.0/25'];
const IPS = ['203.0.113.7', '10.1.2.3', '2001:db8::1', '192.0.2.1', 'not-an-ip'];
const TIMES = ['06:00', '09:00', '17:00', '22:00'].flatMap((t) => [`${t} UTC`, `${t} Asia/Tokyo`]);
const TAG_KEYS = ['env', 'team', 'region'];
const TAG_VALUES = ['prod', 'dev', 'infra', 'eu'];

const sub = <T>(items: readonly T[]) => fc.subarray([...items], { minLength: 1 });
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const strip = <T extends object>(o: T) => JSON.parse(JSON.stringify(o)) as T;
/** `arb` with probability `p`, otherwise undefined (dropped by `strip`). */
const rarely = <T>(arb: fc.Arbitrary<T>, p: number) =>
  fc.oneof(
    { arbitrary: fc.constant(undefined), weight: Math.round((1 - p) * 10) },
    { arbitrary: arb, weight: Math.round(p * 10) },
  );

const tags = fc.dictionary(fc.constantFrom(...TAG_KEYS), fc.constantFrom(...TAG_VALUES), { maxKeys: 3 });
const socket: fc.Arbitrary<SocketInput> = fc.record({
  id: fc.constantFrom(...SOCKET_IDS),
  socket_type: fc.constantFrom(...TYPES),
  tags,
});

const document: fc.Arbitrary<PolicyDocumentValue> = fc
  .record({
    permissions: fc.record(
      {
        ssh: fc.record(
          {
            shell: fc.constant({}),
            exec: fc.record({ commands: opt(sub(['uptime', 'df -h'])) }).map(strip),
            sftp: fc.constant({}),
            tcp_forwarding: fc
              .record({
                allowed_connections: opt(
                  fc.array(
                    fc.record({
                      destination_address: fc.constantFrom('*', '10.0.0.0/8', 'db.internal'),
                      destination_port: fc.constantFrom('*', '5432', '1-1024'),
                    }),
                    { minLength: 1, maxLength: 2 },
                  ),
                ),
              })
              .map(strip),
            agent_forwarding: fc.constant({}),
            allowed_usernames: sub(['ubuntu', 'root']),
            max_session_duration_seconds: fc.integer({ min: 60, max: 7200 }),
          },
          { requiredKeys: [] },
        ),
        database: fc.record(
          {
            allowed_databases: fc.array(
              fc.record({
                database: fc.constantFrom('app', 'billing', '*'),
                allowed_query_types: sub(['read_only', 'read_write', 'ddl', 'admin', 'all'] as const),
              }),
              { maxLength: 2 },
            ),
            max_session_duration_seconds: fc.integer({ min: 60, max: 7200 }),
          },
          { requiredKeys: [] },
        ),
        http: fc.constant({}),
        tls: fc.constant({}),
      },
      { requiredKeys: [] },
    ),
    // Each condition absent often enough that some requests are allowed.
    condition: fc
      .record({
        // Absent (anyone), empty (no one), or naming emails, groups and service accounts.
        who: rarely(
          fc.record(
            {
              email: fc.subarray(EMAILS),
              group: fc.subarray(GROUPS),
              service_account: fc.subarray(ACCOUNTS),
            },
            { requiredKeys: [] },
          ),
          0.7,
        ),
        where: rarely(
          fc.record(
            { allowed_ip: sub(RANGES), country: sub(['NL', 'US']), country_not: sub(['KP', 'US']) },
            { requiredKeys: [] },
          ),
          0.4,
        ),
        when: rarely(
          fc
            .record(
              {
                after: fc.constantFrom('2026-01-01T00:00:00Z', '2026-09-01T00:00:00Z'),
                before: fc.constantFrom('2026-06-01T00:00:00Z', '2027-01-01T00:00:00Z'),
                time_of_day_after: fc.constantFrom(...TIMES),
                time_of_day_before: fc.constantFrom(...TIMES),
              },
              { requiredKeys: [] },
            )
            .map(strip),
          0.3,
        ),
      })
      .map(strip),
  })
  .map((d) => d as PolicyDocumentValue);

let ids = 0;
const policy: fc.Arbitrary<PolicyInput> = fc
  .record({
    document,
    org_wide: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    tag_rules: fc.array(
      fc.dictionary(fc.constantFrom(...TAG_KEYS), fc.constantFrom(...TAG_VALUES), { minKeys: 1, maxKeys: 2 }),
      { maxLength: 2 },
    ),
    socket_ids: fc.subarray(SOCKET_IDS, { maxLength: 3 }),
  })
  .map((p) => ({ ...p, id: uuid(10_000 + ++ids), name: `policy-${ids}` }));

const action: fc.Arbitrary<AccessAction> = fc.oneof(
  fc
    .record({
      type: fc.constant('ssh' as const),
      kind: fc.constantFrom(
        'connect' as const,
        'shell' as const,
        'sftp' as const,
        'agent_forwarding' as const,
      ),
      username: opt(fc.constantFrom('ubuntu', 'root')),
    })
    .map(strip),
  fc.record({
    type: fc.constant('ssh' as const),
    kind: fc.constant('exec' as const),
    command: fc.constantFrom('uptime', 'df -h', 'reboot', 'uptime\nid'),
  }),
  fc.record({
    type: fc.constant('ssh' as const),
    kind: fc.constant('tcp_forwarding' as const),
    destination_address: fc.constantFrom('10.1.1.1', 'db.internal', '192.0.2.9'),
    destination_port: fc.constantFrom(22, 5432, 8080),
  }),
  fc
    .record({
      type: fc.constant('database' as const),
      database: opt(fc.constantFrom('app', 'billing', 'other')),
      query_type: opt(
        fc.constantFrom('read_only' as const, 'read_write' as const, 'ddl' as const, 'admin' as const),
      ),
    })
    .map(strip),
  fc.constant({ type: 'http' as const }),
  fc.constant({ type: 'tls' as const }),
);

const identity = fc.oneof(
  fc
    .record(
      {
        email: fc.constantFrom(...EMAILS, 'ALICE@acme.dev', 'bob@acme.dev', 'eve@acme.dev'),
        groups: fc.subarray(GROUPS),
      },
      { requiredKeys: ['email'] },
    )
    .map(strip),
  fc.record({ service_account: fc.constantFrom(...ACCOUNTS, 'unknown-robot') }),
  fc.record({ groups: fc.subarray(GROUPS) }),
  fc.constant({}),
);

const request: fc.Arbitrary<AccessRequest> = fc
  .record({
    identity,
    action,
    ip: opt(fc.constantFrom(...IPS)),
    country: fc.constantFrom('NL', 'US', 'KP', null),
    time: fc.date({
      min: new Date('2025-12-01T00:00:00Z'),
      max: new Date('2027-02-01T00:00:00Z'),
      noInvalidDate: true,
    }),
  })
  .map((r) => (r.ip === undefined ? { ...r, ip: undefined } : r));

/** The reference: every policy compiled and checked against the socket, then every applying one decided. */
function scanned(policies: readonly PolicyInput[], s: SocketInput, r: AccessRequest): Decision {
  const applying = policies.map(compilePolicy).filter((p) => appliesToSocket(p, s));
  return decideWith(applying, s, r);
}

describe('indexed policy decisions', () => {
  it('decide exactly as a scan of every policy, explanation included', () => {
    const seen = {
      indexed: 0,
      allowed: 0,
      deniedNothingApplies: 0,
      deniedNoneMatches: 0,
      types: new Set<string>(),
    };
    fc.assert(
      fc.property(
        // Small organizations (scanned) and larger ones, where sockets have enough policies to be indexed.
        fc.oneof(fc.array(policy, { maxLength: 6 }), fc.array(policy, { minLength: 20, maxLength: 60 })),
        fc.array(fc.tuple(socket, request), { minLength: 1, maxLength: 12 }),
        (policies, asked) => {
          // One engine for every request, as a proxy keeps one per policy-data version.
          const engine = new PolicyEngine(policies);
          for (const [s, r] of asked) {
            const indexed = engine.decide(s, r);
            const reference = scanned(policies, s, r);
            expect(engine.policiesFor(s).map((p) => p.source.id)).toEqual(
              policies.filter((p) => appliesToSocket(compilePolicy(p), s)).map((p) => p.id),
            );
            expect(JSON.stringify(indexed)).toBe(JSON.stringify(reference));
            expect(indexed).toStrictEqual(reference);
            // Sockets with few policies are scanned; the others go through the identity index.
            if (engine.policiesFor(s).length >= 8) seen.indexed++;
            if (indexed.allowed) {
              seen.allowed++;
              seen.types.add(s.socket_type);
            } else if (reference.explanation.length === 0) seen.deniedNothingApplies++;
            else seen.deniedNoneMatches++;
          }
        },
      ),
      { numRuns: 400 },
    );
    // The generators reach every case compared above.
    expect(seen.indexed).toBeGreaterThan(200);
    expect(seen.allowed).toBeGreaterThan(50);
    expect(seen.deniedNothingApplies).toBeGreaterThan(50);
    expect(seen.deniedNoneMatches).toBeGreaterThan(50);
    expect([...seen.types].sort()).toEqual(['database', 'http', 'ssh', 'tls']);
  });

  it('deny by default: with no policy that names the identity, nothing is allowed', () => {
    fc.assert(
      fc.property(fc.array(policy, { minLength: 10, maxLength: 50 }), socket, request, (policies, s, r) => {
        const named = policies.filter((p) => p.document.condition.who !== undefined);
        const engine = new PolicyEngine(named);
        const nobody = { ...r, identity: { email: 'mallory@evil.example', groups: [uuid(99)] } };
        const decision = engine.decide(s, nobody);
        expect(decision.allowed).toBe(false);
        expect(decision.permissions).toBeNull();
        expect(decision).toStrictEqual(scanned(named, s, nobody));
      }),
      { numRuns: 300 },
    );
  });

  it('follows a socket whose tags changed, and explains the request as it was decided', () => {
    fc.assert(
      fc.property(
        fc.array(policy, { minLength: 20, maxLength: 60 }),
        socket,
        tags,
        request,
        (policies, s, next, r) => {
          const engine = new PolicyEngine(policies);
          // A copy of the generated request, which fast-check may reuse.
          const asked = {
            ...r,
            identity: { ...r.identity, groups: r.identity.groups && [...r.identity.groups] },
            action: { ...r.action },
          };
          const before = engine.decide(s, asked);
          const moved = { ...s, tags: next };
          expect(engine.decide(moved, r)).toStrictEqual(scanned(policies, moved, r));
          const expected = scanned(policies, s, r);
          // The caller changes its request and socket after the decision; the explanation is still of the request.
          const mutable = asked as { identity: { groups?: string[] }; action: { type: string } };
          mutable.identity.groups?.push(...GROUPS);
          mutable.action.type = 'tls';
          expect(before).toStrictEqual(expected);
          expect(engine.decide(s, { ...r, identity: {} })).toStrictEqual(
            scanned(policies, s, { ...r, identity: {} }),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
