/** The policy document schema: what it accepts, and the path and message of what it refuses. */
import { describe, expect, it } from 'vitest';
import { PolicyDocument } from './document.js';
import { isIpOrCidr } from './ip.js';

const GROUP = '0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e';

/** The example of PRODUCT.md. */
const example = () => ({
  permissions: {
    ssh: {
      shell: {},
      exec: { commands: ['uptime'] },
      sftp: {},
      tcp_forwarding: {
        allowed_connections: [{ destination_address: '10.0.0.5', destination_port: '5432' }],
      },
      allowed_usernames: ['ubuntu'],
      max_session_duration_seconds: 3600,
    },
    database: {
      allowed_databases: [{ database: 'app', allowed_query_types: ['read_only'] }],
      max_session_duration_seconds: 3600,
    },
    http: {},
    tls: {},
  },
  condition: {
    who: { email: ['alice@acme.dev'], group: [GROUP], service_account: ['ci-bot'] },
    where: { allowed_ip: ['0.0.0.0/0', '::/0'], country: ['NL', 'US'], country_not: ['KP'] },
    when: {
      after: '2026-01-01T00:00:00Z',
      before: null,
      time_of_day_after: '08:00 UTC',
      time_of_day_before: '18:00 UTC',
    },
  },
});

type Doc = ReturnType<typeof example> & Record<string, unknown>;
const edit = (change: (doc: Doc) => void) => {
  const doc = example() as Doc;
  change(doc);
  return doc;
};
const obj = (value: unknown) => value as Record<string, unknown>;
const ssh = (doc: Doc) => doc.permissions.ssh as Record<string, unknown>;
const when = (doc: Doc) => doc.condition.when as Record<string, unknown>;

describe('PolicyDocument', () => {
  it.each([
    ['the PRODUCT.md example', example()],
    ['empty permissions and condition', { permissions: {}, condition: {} }],
    [
      'any exec command, any forwarding',
      { permissions: { ssh: { exec: {}, tcp_forwarding: {} } }, condition: {} },
    ],
    [
      'port ranges, wildcards and host names',
      edit((d) => {
        ssh(d).tcp_forwarding = {
          allowed_connections: [
            { destination_address: '*', destination_port: '*' },
            { destination_address: 'db.internal', destination_port: '5000-6000' },
            { destination_address: '10.0.0.0/8', destination_port: '22' },
          ],
        };
      }),
    ],
    [
      'IPv6 addresses, a daily window across midnight in another zone',
      edit((d) => {
        d.condition.where.allowed_ip = ['2001:db8::/32', '192.168.1.7', '::1'];
        Object.assign(when(d), {
          time_of_day_after: '22:00 Europe/Amsterdam',
          time_of_day_before: '06:00 UTC',
        });
        Object.assign(when(d), { after: '2026-01-01T00:00:00+01:00', before: '2026-12-31T00:00:00Z' });
      }),
    ],
    ['agent forwarding', { permissions: { ssh: { agent_forwarding: {} } }, condition: {} }],
    // The first owner of `border0 start` is admin@localhost: a one-label domain.
    [
      'an email on a one-label domain',
      { permissions: {}, condition: { who: { email: ['admin@localhost'] } } },
    ],
  ])('accepts %s', (_name, doc) => {
    const result = PolicyDocument.safeParse(doc);
    expect(result.error?.issues).toBeUndefined();
  });

  it.each([
    ['an unknown top-level key', edit((d) => (d.extra = 1)), '', 'unrecognized_keys', ['extra']],
    ['an unknown permission', edit((d) => (obj(d.permissions).rdp = {})), 'permissions', null, ['rdp']],
    ['an unknown ssh key', edit((d) => (ssh(d).bogus = true)), 'permissions.ssh', null, ['bogus']],
    [
      'a key inside shell',
      edit((d) => (ssh(d).shell = { pty: true })),
      'permissions.ssh.shell',
      null,
      ['pty'],
    ],
    [
      'an unknown database access key',
      edit((d) => (obj(d.permissions.database.allowed_databases[0]).schema = 'x')),
      'permissions.database.allowed_databases.0',
      null,
      ['schema'],
    ],
    ['a key inside http', edit((d) => (d.permissions.http = { x: 1 })), 'permissions.http', null, ['x']],
    ['an unknown condition', edit((d) => (obj(d.condition).how = {})), 'condition', null, ['how']],
    ['an unknown who key', edit((d) => (obj(d.condition.who).team = [])), 'condition.who', null, ['team']],
    [
      'an unknown where key',
      edit((d) => (obj(d.condition.where).asn = [])),
      'condition.where',
      null,
      ['asn'],
    ],
    ['an unknown when key', edit((d) => (when(d).weekday = 'mon')), 'condition.when', null, ['weekday']],
  ])('refuses %s', (_name, doc, path, code, keys) => {
    const issue = PolicyDocument.safeParse(doc).error?.issues[0];
    expect(issue?.path.join('.')).toBe(path);
    expect(issue?.code).toBe(code ?? 'unrecognized_keys');
    expect((issue as { keys?: string[] }).keys).toEqual(keys);
  });

  it.each([
    ['a missing condition', { permissions: {} }, 'condition', /expected object/],
    [
      'a CIDR prefix out of range',
      edit((d) => (d.condition.where.allowed_ip = ['10.0.0.0/33'])),
      'condition.where.allowed_ip.0',
      /CIDR/,
    ],
    [
      'an IPv6 prefix out of range',
      edit((d) => (d.condition.where.allowed_ip = ['::/129'])),
      'condition.where.allowed_ip.0',
      /CIDR/,
    ],
    [
      'a host name as an IP',
      edit((d) => (d.condition.where.allowed_ip = ['example.com'])),
      'condition.where.allowed_ip.0',
      /CIDR/,
    ],
    [
      'a lower-case country',
      edit((d) => (d.condition.where.country = ['nl'])),
      'condition.where.country.0',
      /alpha-2/,
    ],
    [
      'an unassigned country',
      edit((d) => (d.condition.where.country_not = ['XX'])),
      'condition.where.country_not.0',
      /alpha-2/,
    ],
    [
      'a three-letter country',
      edit((d) => (d.condition.where.country = ['NLD'])),
      'condition.where.country.0',
      /alpha-2/,
    ],
    [
      'an unknown time zone',
      edit((d) => (when(d).time_of_day_after = '08:00 Mars/Olympus')),
      'condition.when.time_of_day_after',
      /unknown time zone "Mars\/Olympus"/,
    ],
    [
      'a bad HH:MM',
      edit((d) => (when(d).time_of_day_before = '24:00 UTC')),
      'condition.when.time_of_day_before',
      /^expected HH:MM with a time zone, e.g. "08:00 Europe\/Amsterdam"$/,
    ],
    [
      'a time without a zone',
      edit((d) => (when(d).time_of_day_after = '08:00')),
      'condition.when.time_of_day_after',
      /expected HH:MM with a time zone/,
    ],
    [
      'after equal to before',
      edit((d) => (when(d).before = '2026-01-01T00:00:00Z')),
      'condition.when.after',
      /^must be earlier than before$/,
    ],
    [
      'after later than before',
      edit((d) => (when(d).before = '2025-06-01T00:00:00Z')),
      'condition.when.after',
      /earlier than before/,
    ],
    [
      'a date without time',
      edit((d) => (when(d).after = '2026-01-01')),
      'condition.when.after',
      /ISO 8601 date-time/,
    ],
    [
      'empty query types',
      edit((d) => (d.permissions.database.allowed_databases[0]!.allowed_query_types = [])),
      'permissions.database.allowed_databases.0.allowed_query_types',
      /at least one query type/,
    ],
    [
      'an unknown query type',
      edit((d) => (d.permissions.database.allowed_databases[0]!.allowed_query_types = ['write'])),
      'permissions.database.allowed_databases.0.allowed_query_types.0',
      /read_only/,
    ],
    [
      'a zero session duration',
      edit((d) => (ssh(d).max_session_duration_seconds = 0)),
      'permissions.ssh.max_session_duration_seconds',
      /.+/,
    ],
    [
      'a session longer than 30 days',
      edit((d) => (ssh(d).max_session_duration_seconds = 2592001)),
      'permissions.ssh.max_session_duration_seconds',
      /.+/,
    ],
    [
      'a port out of range',
      edit(
        (d) =>
          (ssh(d).tcp_forwarding = {
            allowed_connections: [{ destination_address: '*', destination_port: '70000' }],
          }),
      ),
      'permissions.ssh.tcp_forwarding.allowed_connections.0.destination_port',
      /expected a port/,
    ],
    [
      'a reversed port range',
      edit(
        (d) =>
          (ssh(d).tcp_forwarding = {
            allowed_connections: [{ destination_address: '*', destination_port: '90-80' }],
          }),
      ),
      'permissions.ssh.tcp_forwarding.allowed_connections.0.destination_port',
      /range "a-b"/,
    ],
    [
      'a bad destination',
      edit(
        (d) =>
          (ssh(d).tcp_forwarding = {
            allowed_connections: [{ destination_address: 'a b', destination_port: '22' }],
          }),
      ),
      'permissions.ssh.tcp_forwarding.allowed_connections.0.destination_address',
      /host name, an IP address/,
    ],
    [
      'a group that is not an id',
      edit((d) => (d.condition.who.group = ['admins'])),
      'condition.who.group.0',
      /group id/,
    ],
    [
      'a bad email',
      edit((d) => (d.condition.who.email = ['alice'])),
      'condition.who.email.0',
      /email address/,
    ],
  ])('refuses %s', (_name, doc, path, message) => {
    const issues = PolicyDocument.safeParse(doc).error?.issues ?? [];
    expect(issues.map((i) => i.path.join('.'))).toEqual([path]);
    expect(issues[0]?.message).toMatch(message);
  });
});

describe('isIpOrCidr', () => {
  it.each([
    ['10.0.0.0/8', true],
    ['0.0.0.0/0', true],
    ['::/0', true],
    ['fe80::1', true],
    ['10.0.0.1/32', true],
    ['10.0.0.1/', false],
    ['10.0.0.1/8/8', false],
    ['fe80::1%eth0', false],
    ['256.0.0.1', false],
    ['::/0128', false],
  ])('%s → %s', (value, expected) => {
    expect(isIpOrCidr(value)).toBe(expected);
  });
});
