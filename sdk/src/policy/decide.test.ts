/** Table tests of the engine: each condition, each permission, time zones and windows across midnight. */
import { describe, expect, it } from 'vitest';
import { decide } from './decide.js';
import type { PolicyDocumentValue } from './document.js';
import type { AccessAction, AccessRequest, PolicyInput, SocketInput } from './types.js';

const GROUP = '0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e';
const ssh: SocketInput = { id: 'sock-ssh', socket_type: 'ssh', tags: { env: 'prod' } };
const db: SocketInput = { id: 'sock-db', socket_type: 'database', tags: {} };

let n = 0;
function policy(document: Partial<PolicyDocumentValue>, targets: Partial<PolicyInput> = {}): PolicyInput {
  n++;
  return {
    id: `p${n}`,
    name: `policy-${n}`,
    document: { permissions: {}, condition: {}, ...document } as PolicyDocumentValue,
    org_wide: true,
    tag_rules: [],
    socket_ids: [],
    ...targets,
  };
}

const alice = { email: 'Alice@Acme.dev' };
const request = (action: AccessAction, extra: Partial<AccessRequest> = {}): AccessRequest => ({
  identity: alice,
  action,
  ip: '203.0.113.7',
  country: 'NL',
  time: '2026-11-26T12:00:00Z',
  ...extra,
});
const shell = request({ type: 'ssh', kind: 'shell' });

describe('default deny', () => {
  it('denies when no policy applies, and says so', () => {
    const d = decide([], ssh, shell);
    expect(d).toMatchObject({
      allowed: false,
      reason: 'denied: no policy applies to this socket',
      permissions: null,
    });
    expect(d.explanation).toEqual([]);
  });

  it('ignores policies that apply to other sockets', () => {
    const elsewhere = policy(
      { permissions: { ssh: { shell: {} } } },
      { org_wide: false, socket_ids: ['other'] },
    );
    expect(decide([elsewhere], ssh, shell).allowed).toBe(false);
  });

  it.each<[string, Partial<PolicyInput>, boolean]>([
    ['attached by id', { org_wide: false, socket_ids: ['sock-ssh'] }, true],
    ['a matching tag rule', { org_wide: false, tag_rules: [{ team: 'x' }, { env: 'prod' }] }, true],
    ['a tag rule needing every tag', { org_wide: false, tag_rules: [{ env: 'prod', team: 'x' }] }, false],
    ['an empty tag rule', { org_wide: false, tag_rules: [{}] }, false],
  ])('applies a policy %s', (_, targets, applies) => {
    expect(decide([policy({ permissions: { ssh: { shell: {} } } }, targets)], ssh, shell).allowed).toBe(
      applies,
    );
  });
});

describe('who', () => {
  const who = (w: object) => [policy({ permissions: { ssh: { shell: {} } }, condition: { who: w } })];
  it.each([
    ['an email, case-insensitively', { email: ['alice@ACME.dev'] }, alice, true],
    ['another email', { email: ['bob@acme.dev'] }, alice, false],
    ['a group of the person', { group: [GROUP] }, { email: 'x@y.z', groups: [GROUP] }, true],
    ['a service account', { service_account: ['ci-bot'] }, { service_account: 'ci-bot' }, true],
    [
      'any key (OR across keys)',
      { email: ['bob@acme.dev'], group: [GROUP] },
      { email: 'a@b.c', groups: [GROUP] },
      true,
    ],
    ['nobody, when every list is empty', {}, alice, false],
  ])('matches %s', (_, w, identity, allowed) => {
    expect(decide(who(w), ssh, { ...shell, identity }).allowed).toBe(allowed);
  });

  it('explains who failed', () => {
    const d = decide(who({ email: ['bob@acme.dev'] }), ssh, shell);
    expect(d.explanation[0]).toMatchObject({ matched: false, failed: 'who' });
    expect(d.explanation[0]!.reason).toBe(
      'who: alice@acme.dev is not named by this policy, nor in one of its groups',
    );
  });
});

describe('where', () => {
  const where = (w: object) => [policy({ permissions: { ssh: { shell: {} } }, condition: { where: w } })];
  it.each([
    ['an address inside a range', { allowed_ip: ['203.0.113.0/24'] }, {}, true],
    ['an address outside every range', { allowed_ip: ['10.0.0.0/8', '2001:db8::/32'] }, {}, false],
    ['an IPv4-mapped address', { allowed_ip: ['203.0.113.0/24'] }, { ip: '::ffff:203.0.113.9' }, true],
    ['an IPv6 address', { allowed_ip: ['2001:db8::/32'] }, { ip: '2001:db8::42' }, true],
    ['no address at all', { allowed_ip: ['0.0.0.0/0'] }, { ip: undefined }, false],
    ['an allowed country', { country: ['NL', 'US'] }, {}, true],
    ['another country', { country: ['US'] }, {}, false],
    ['an unknown country against `country`', { country: ['NL'] }, { country: null }, false],
    ['an excluded country', { country_not: ['NL'] }, {}, false],
    ['an unknown country against `country_not`', { country_not: ['KP'] }, { country: null }, true],
  ])('%s', (_, w, extra, allowed) => {
    expect(decide(where(w), ssh, { ...shell, ...extra }).allowed).toBe(allowed);
  });

  it('explains an unknown country in words', () => {
    const d = decide(where({ country: ['NL'] }), ssh, { ...shell, ip: '10.1.2.3', country: null });
    expect(d.explanation[0]!.reason).toBe(
      'where: the country of 10.1.2.3 is unknown (private and loopback addresses have none), and this policy allows only NL',
    );
  });
});

describe('when', () => {
  const when = (w: object) => [policy({ permissions: { ssh: { shell: {} } }, condition: { when: w } })];
  it.each([
    [
      'inside the validity period',
      { after: '2026-01-01T00:00:00Z', before: '2027-01-01T00:00:00Z' },
      '2026-06-01T00:00:00Z',
      true,
    ],
    ['before it starts', { after: '2026-12-01T00:00:00Z' }, '2026-11-30T23:59:59Z', false],
    ['at its end', { before: '2026-12-01T00:00:00Z' }, '2026-12-01T00:00:00Z', false],
    [
      'in office hours (UTC)',
      { time_of_day_after: '08:00 UTC', time_of_day_before: '18:00 UTC' },
      '2026-11-26T17:59:00Z',
      true,
    ],
    [
      'after office hours (UTC)',
      { time_of_day_after: '08:00 UTC', time_of_day_before: '18:00 UTC' },
      '2026-11-26T18:00:00Z',
      false,
    ],
    // Amsterdam is UTC+1 in November: 08:30 local is 07:30 UTC.
    ['in a named zone', { time_of_day_after: '08:00 Europe/Amsterdam' }, '2026-11-26T07:30:00Z', true],
    [
      'before the window in a named zone',
      { time_of_day_after: '08:00 Europe/Amsterdam' },
      '2026-11-26T06:30:00Z',
      false,
    ],
    // In July Amsterdam is UTC+2: daylight saving time is the zone's business, not the policy's.
    ['in summer time', { time_of_day_after: '08:00 Europe/Amsterdam' }, '2026-07-01T06:30:00Z', true],
    [
      'late in a night window',
      { time_of_day_after: '22:00 UTC', time_of_day_before: '06:00 UTC' },
      '2026-11-26T23:30:00Z',
      true,
    ],
    [
      'early in a night window',
      { time_of_day_after: '22:00 UTC', time_of_day_before: '06:00 UTC' },
      '2026-11-26T05:59:00Z',
      true,
    ],
    [
      'midday against a night window',
      { time_of_day_after: '22:00 UTC', time_of_day_before: '06:00 UTC' },
      '2026-11-26T12:00:00Z',
      false,
    ],
    ['only an end', { time_of_day_before: '09:00 UTC' }, '2026-11-26T08:00:00Z', true],
    // 08:00 Amsterdam (07:00 UTC) to 18:00 UTC, bounds in two zones.
    [
      'bounds in two zones',
      { time_of_day_after: '08:00 Europe/Amsterdam', time_of_day_before: '18:00 UTC' },
      '2026-11-26T17:30:00Z',
      true,
    ],
    [
      'before the start in two zones',
      { time_of_day_after: '08:00 Europe/Amsterdam', time_of_day_before: '18:00 UTC' },
      '2026-11-26T06:59:00Z',
      false,
    ],
    // 20:00 New York (01:00 UTC next day) to 02:00 UTC: a window crossing midnight in UTC terms.
    [
      'a zone far west, across midnight',
      { time_of_day_after: '20:00 America/New_York', time_of_day_before: '02:00 UTC' },
      '2026-11-27T01:30:00Z',
      true,
    ],
  ])('%s', (_, w, time, allowed) => {
    expect(decide(when(w), ssh, { ...shell, time }).allowed).toBe(allowed);
  });

  it('explains the daily window on the zone’s clock', () => {
    const d = decide(
      when({ time_of_day_after: '08:00 Europe/Amsterdam', time_of_day_before: '18:00 Europe/Amsterdam' }),
      ssh,
      {
        ...shell,
        time: '2026-11-26T19:15:00Z',
      },
    );
    expect(d.explanation[0]!.reason).toBe(
      'when: 20:15 Europe/Amsterdam is outside the daily window 08:00 Europe/Amsterdam to 18:00 Europe/Amsterdam',
    );
  });
});

describe('ssh permissions', () => {
  const allow = (permissions: object) => [policy({ permissions: { ssh: permissions } })];
  const act = (action: Partial<Extract<AccessAction, { type: 'ssh' }>>) =>
    request({ type: 'ssh', kind: 'shell', ...action } as AccessAction);
  it.each([
    ['shell', { shell: {} }, { kind: 'shell' }, true],
    ['no shell when only exec is allowed', { exec: {} }, { kind: 'shell' }, false],
    ['any command when exec lists none', { exec: {} }, { kind: 'exec', command: 'rm -rf /tmp/x' }, true],
    [
      'a listed command',
      { exec: { commands: ['uptime', 'df -h'] } },
      { kind: 'exec', command: 'df -h' },
      true,
    ],
    [
      'an unlisted command',
      { exec: { commands: ['uptime'] } },
      { kind: 'exec', command: 'uptime; rm -rf /' },
      false,
    ],
    ['sftp', { sftp: {} }, { kind: 'sftp' }, true],
    ['no agent forwarding unless allowed', { shell: {} }, { kind: 'agent_forwarding' }, false],
    ['agent forwarding when allowed', { agent_forwarding: {} }, { kind: 'agent_forwarding' }, true],
    [
      'any forwarding without a list',
      { tcp_forwarding: {} },
      { kind: 'tcp_forwarding', destination_address: 'db', destination_port: 5432 },
      true,
    ],
    [
      'forwarding to a listed address and port',
      {
        tcp_forwarding: {
          allowed_connections: [{ destination_address: '10.0.0.0/24', destination_port: '5000-6000' }],
        },
      },
      { kind: 'tcp_forwarding', destination_address: '10.0.0.5', destination_port: 5432 },
      true,
    ],
    [
      'forwarding to another port',
      {
        tcp_forwarding: {
          allowed_connections: [{ destination_address: '10.0.0.5', destination_port: '5432' }],
        },
      },
      { kind: 'tcp_forwarding', destination_address: '10.0.0.5', destination_port: 22 },
      false,
    ],
    [
      'forwarding to a host name, case-insensitively',
      {
        tcp_forwarding: {
          allowed_connections: [{ destination_address: 'DB.internal', destination_port: '*' }],
        },
      },
      { kind: 'tcp_forwarding', destination_address: 'db.internal', destination_port: 5432 },
      true,
    ],
    [
      'a listed login name',
      { shell: {}, allowed_usernames: ['ubuntu'] },
      { kind: 'shell', username: 'ubuntu' },
      true,
    ],
    [
      'an unlisted login name',
      { shell: {}, allowed_usernames: ['ubuntu'] },
      { kind: 'shell', username: 'root' },
      false,
    ],
    ['connecting with any action allowed', { sftp: {} }, { kind: 'connect' }, true],
  ])('%s', (_, permissions, action, allowed) => {
    expect(decide(allow(permissions), ssh, act(action as never)).allowed).toBe(allowed);
  });

  it('denies another socket type, naming it', () => {
    const d = decide([policy({ permissions: { database: {} } })], ssh, shell);
    expect(d.explanation[0]).toMatchObject({
      failed: 'permission',
      reason: 'permission: this policy does not allow ssh sockets',
    });
  });
});

describe('database permissions', () => {
  const allow = (database: object) => [policy({ permissions: { database } })];
  const query = (database: string | undefined, query_type?: 'read_only' | 'read_write' | 'ddl' | 'admin') =>
    request({ type: 'database', database, query_type });
  it.each([
    ['any database without a list', {}, query('app', 'admin'), true],
    [
      'a listed database and query type',
      { allowed_databases: [{ database: 'app', allowed_query_types: ['read_only'] }] },
      query('app', 'read_only'),
      true,
    ],
    [
      'another query type',
      { allowed_databases: [{ database: 'app', allowed_query_types: ['read_only'] }] },
      query('app', 'ddl'),
      false,
    ],
    [
      '`all` query types',
      { allowed_databases: [{ database: 'app', allowed_query_types: ['all'] }] },
      query('app', 'admin'),
      true,
    ],
    [
      'another database',
      { allowed_databases: [{ database: 'app', allowed_query_types: ['all'] }] },
      query('billing'),
      false,
    ],
    [
      '`*` for every database',
      { allowed_databases: [{ database: '*', allowed_query_types: ['read_only'] }] },
      query('billing', 'read_only'),
      true,
    ],
    [
      'connecting before a database is known',
      { allowed_databases: [{ database: 'app', allowed_query_types: ['read_only'] }] },
      query(undefined),
      true,
    ],
    ['connecting with an empty list', { allowed_databases: [] }, query(undefined), false],
  ])('%s', (_, database, req, allowed) => {
    expect(decide(allow(database), db, req).allowed).toBe(allowed);
  });
});

describe('effective permissions', () => {
  it('are the union of the matching policies, with the smallest session limit', () => {
    const policies = [
      policy({
        permissions: {
          ssh: {
            shell: {},
            exec: { commands: ['uptime'] },
            allowed_usernames: ['ubuntu'],
            max_session_duration_seconds: 7200,
          },
        },
      }),
      policy({
        permissions: {
          ssh: {
            exec: { commands: ['df -h'] },
            allowed_usernames: ['deploy'],
            max_session_duration_seconds: 3600,
          },
        },
      }),
      policy({ permissions: { ssh: { sftp: {} } }, condition: { who: { email: ['bob@acme.dev'] } } }),
    ];
    const d = decide(policies, ssh, shell);
    expect(d.permissions).toEqual({
      socket_type: 'ssh',
      ssh: {
        shell: true,
        exec: { allowed: true, commands: ['uptime', 'df -h'] },
        sftp: false,
        tcp_forwarding: { allowed: false, allowed_connections: [] },
        agent_forwarding: false,
        allowed_usernames: ['ubuntu', 'deploy'],
      },
      max_session_duration_seconds: 3600,
    });
    expect(d.reason).toBe(`allowed by policy ${policies[0]!.name}`);
  });

  it('allow any value when one matching policy leaves a list out', () => {
    const policies = [
      policy({
        permissions: {
          database: { allowed_databases: [{ database: 'app', allowed_query_types: ['read_only'] }] },
        },
      }),
      policy({ permissions: { database: {} } }),
    ];
    expect(decide(policies, db, request({ type: 'database' })).permissions?.database).toEqual({
      allowed_databases: null,
    });
  });

  it('needs one policy to allow both the action and the login name', () => {
    const policies = [
      policy({ permissions: { ssh: { shell: {}, allowed_usernames: ['ubuntu'] } } }),
      policy({ permissions: { ssh: { exec: {}, allowed_usernames: ['root'] } } }),
    ];
    expect(decide(policies, ssh, request({ type: 'ssh', kind: 'shell', username: 'root' })).allowed).toBe(
      false,
    );
    expect(
      decide(policies, ssh, request({ type: 'ssh', kind: 'exec', command: 'id', username: 'root' })).allowed,
    ).toBe(true);
  });
});
