/**
 * A synthetic organization for the policy-decision benchmark: sockets with tags, members in groups, service
 * accounts, and policies in a realistic mix (attached to sockets directly, by narrow and broad tag rules, a
 * few org-wide; conditions on emails, groups, service accounts, IP ranges, countries, daily windows and
 * validity periods). Deterministic: the same seed builds the same organization.
 */
import type {
  AccessAction,
  AccessRequest,
  OrganizationPolicyData,
  PolicyDocumentValue,
  PolicyInput,
  SocketInput,
  SocketType,
} from '@border0/sdk/policy';

/** mulberry32: small, fast, deterministic. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ENVS = ['prod', 'staging', 'dev'];
const REGIONS = ['eu', 'us', 'ap'];
const TEAMS = Array.from({ length: 50 }, (_, i) => `team-${i}`);
const TYPES: SocketType[] = [
  'ssh',
  'ssh',
  'ssh',
  'ssh',
  'database',
  'database',
  'database',
  'http',
  'http',
  'tls',
];
const RANGES = [
  '10.0.0.0/8',
  '192.168.0.0/16',
  '203.0.113.0/24',
  '198.51.100.0/24',
  '2001:db8::/32',
  '172.16.0.0/12',
];
const ZONES = ['Europe/Amsterdam', 'America/New_York', 'Asia/Tokyo', 'UTC'];
const COMMANDS = ['uptime', 'df -h', 'systemctl status nginx', 'journalctl -n 100', 'id'];
const USERNAMES = ['ubuntu', 'deploy', 'root', 'postgres'];
const DATABASES = ['app', 'billing', 'analytics', '*'];

export interface Organization {
  sockets: SocketInput[];
  data: OrganizationPolicyData;
  /** Requests to decide, each on one socket: the same list for every organization size. */
  requests: { socket: SocketInput; request: AccessRequest }[];
}

const uuid = (n: number) => `0192f5a4-3b7e-7c1a-9d2e-${n.toString(16).padStart(12, '0')}`;

export function sockets(count: number, seed = 1): SocketInput[] {
  const r = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(r() * items.length)]!;
  return Array.from({ length: count }, (_, i) => ({
    id: uuid(1_000_000 + i),
    socket_type: pick(TYPES),
    tags: { env: pick(ENVS), team: pick(TEAMS), region: pick(REGIONS) },
  }));
}

export function identities(seed = 2) {
  const r = random(seed);
  const groups = Array.from({ length: 200 }, (_, i) => uuid(2_000_000 + i));
  const members = Array.from({ length: 2000 }, (_, i) => {
    const own = new Set<string>();
    const count = 1 + Math.floor(r() * 3);
    for (let j = 0; j < count; j++) own.add(groups[Math.floor(r() * groups.length)]!);
    return { email: `user-${i}@acme.dev`, groups: [...own] };
  });
  const serviceAccounts = Array.from({ length: 100 }, (_, i) => `robot-${i}`);
  return { groups, members, serviceAccounts };
}

function document(
  r: () => number,
  types: readonly SocketType[],
  people: ReturnType<typeof identities>,
  anyone: boolean,
): PolicyDocumentValue {
  const pick = <T>(items: readonly T[]) => items[Math.floor(r() * items.length)]!;
  const some = <T>(items: readonly T[], max: number) => {
    const out = new Set<T>();
    const n = 1 + Math.floor(r() * max);
    for (let i = 0; i < n; i++) out.add(pick(items));
    return [...out];
  };
  const permissions: PolicyDocumentValue['permissions'] = {};
  for (const type of new Set(types)) {
    if (type === 'ssh') {
      permissions.ssh = {
        shell: {},
        ...(r() < 0.6 && { exec: r() < 0.5 ? {} : { commands: some(COMMANDS, 3) } }),
        ...(r() < 0.3 && { sftp: {} }),
        ...(r() < 0.2 && { tcp_forwarding: {} }),
        ...(r() < 0.7 && { allowed_usernames: some(USERNAMES, 2) }),
        ...(r() < 0.5 && { max_session_duration_seconds: 600 + Math.floor(r() * 7200) }),
      };
    } else if (type === 'database') {
      permissions.database =
        r() < 0.3
          ? {}
          : {
              allowed_databases: some(DATABASES, 2).map((database) => ({
                database,
                allowed_query_types: some(['read_only', 'read_write', 'ddl', 'all'] as const, 2),
              })),
            };
    } else permissions[type] = {};
  }
  const whoKind = r();
  const who = anyone
    ? undefined
    : whoKind < 0.5
      ? { group: some(people.groups, 3) }
      : whoKind < 0.85
        ? { email: some(people.members, 10).map((m) => m.email) }
        : whoKind < 0.95
          ? { service_account: some(people.serviceAccounts, 3) }
          : { email: [pick(people.members).email], group: [pick(people.groups)] };
  const where =
    anyone || r() < 0.6
      ? { allowed_ip: some(RANGES, 4), ...(r() < 0.3 && { country_not: ['KP', 'IR'] }) }
      : r() < 0.5
        ? { country: ['NL', 'US', 'DE'] }
        : undefined;
  const zone = pick(ZONES);
  const when =
    r() < 0.25
      ? { time_of_day_after: `07:00 ${zone}`, time_of_day_before: `20:00 ${zone}` }
      : r() < 0.1
        ? { after: '2026-01-01T00:00:00Z', before: '2027-01-01T00:00:00Z' }
        : undefined;
  return {
    permissions,
    condition: { ...(who && { who }), ...(where && { where }), ...(when && { when }) },
  } as PolicyDocumentValue;
}

/**
 * `count` policies over `socketList`: 70% attached to one to three sockets by id, 26.5% by narrow tag rules
 * (team and env), 3% by a broad tag (env or region), 0.5% org-wide; about 5% of the non-direct ones allow
 * anyone (from some IP ranges). With one policy, it is org-wide, for a few groups, with every permission.
 */
export function policies(count: number, socketList: SocketInput[], seed = 3): PolicyInput[] {
  const r = random(seed);
  const people = identities();
  const pick = <T>(items: readonly T[]) => items[Math.floor(r() * items.length)]!;
  if (count === 1) {
    return [
      {
        id: uuid(3_000_000),
        name: 'everyone-in-engineering',
        org_wide: true,
        socket_ids: [],
        tag_rules: [],
        document: {
          permissions: { ssh: { shell: {}, exec: {}, sftp: {} }, database: {}, http: {}, tls: {} },
          condition: {
            who: { group: people.groups.slice(0, 150) },
            where: { allowed_ip: RANGES.slice(0, 4), country_not: ['KP'] },
            when: {
              time_of_day_after: '07:00 Europe/Amsterdam',
              time_of_day_before: '20:00 Europe/Amsterdam',
            },
          },
        },
      },
    ];
  }
  return Array.from({ length: count }, (_, i) => {
    const kind = r();
    let targets: Pick<PolicyInput, 'org_wide' | 'socket_ids' | 'tag_rules'>;
    let types: SocketType[];
    if (kind < 0.7) {
      const attached = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(socketList));
      targets = { org_wide: false, socket_ids: [...new Set(attached.map((s) => s.id))], tag_rules: [] };
      types = attached.map((s) => s.socket_type);
    } else if (kind < 0.965) {
      const rules = Array.from({ length: 1 + Math.floor(r() * 2) }, () => ({
        team: pick(TEAMS),
        env: pick(ENVS),
      }));
      targets = { org_wide: false, socket_ids: [], tag_rules: rules };
      types = [pick(TYPES), pick(TYPES)];
    } else if (kind < 0.995) {
      targets = {
        org_wide: false,
        socket_ids: [],
        tag_rules: [r() < 0.5 ? { env: pick(ENVS) } : { region: pick(REGIONS) }],
      };
      types = [pick(TYPES)];
    } else {
      targets = { org_wide: true, socket_ids: [], tag_rules: [] };
      types = [pick(TYPES)];
    }
    return {
      id: uuid(3_000_000 + i),
      name: `policy-${i}`,
      ...targets,
      document: document(r, types, people, kind >= 0.7 && r() < 0.05),
    };
  });
}

function action(r: () => number, type: SocketType): AccessAction {
  const pick = <T>(items: readonly T[]) => items[Math.floor(r() * items.length)]!;
  switch (type) {
    case 'ssh': {
      const username = pick(USERNAMES);
      const kind = r();
      if (kind < 0.4) return { type: 'ssh', kind: 'connect', username };
      if (kind < 0.7) return { type: 'ssh', kind: 'shell', username };
      if (kind < 0.9) return { type: 'ssh', kind: 'exec', command: pick(COMMANDS), username };
      return {
        type: 'ssh',
        kind: 'tcp_forwarding',
        destination_address: '10.0.0.5',
        destination_port: 5432,
        username,
      };
    }
    case 'database':
      return r() < 0.3
        ? { type: 'database', database: pick(DATABASES) }
        : {
            type: 'database',
            database: pick(['app', 'billing', 'analytics']),
            query_type: pick(['read_only', 'read_write', 'ddl'] as const),
          };
    default:
      return { type };
  }
}

/** The decisions asked: members (90%) and service accounts, on random sockets, from addresses in and out. */
export function requests(socketList: SocketInput[], count = 4096, seed = 4): Organization['requests'] {
  const r = random(seed);
  const people = identities();
  const pick = <T>(items: readonly T[]) => items[Math.floor(r() * items.length)]!;
  const ips = ['10.1.2.3', '192.168.7.9', '203.0.113.7', '2001:db8::5', '8.8.8.8', '100.64.1.1'];
  const time = new Date('2026-11-26T11:00:00Z');
  return Array.from({ length: count }, () => {
    const socket = pick(socketList);
    return {
      socket,
      request: {
        identity:
          r() < 0.9
            ? { email: pick(people.members).email }
            : { service_account: pick(people.serviceAccounts) },
        action: action(r, socket.socket_type),
        ip: pick(ips),
        country: pick(['NL', 'US', 'DE', 'KP', null]),
        time,
      },
    };
  });
}

export function organization(policyCount: number, socketCount = 1000): Organization {
  const socketList = sockets(socketCount);
  const people = identities();
  return {
    sockets: socketList,
    data: {
      policies: policies(policyCount, socketList),
      identities: people.members,
      service_accounts: people.serviceAccounts,
    },
    requests: requests(socketList),
  };
}
