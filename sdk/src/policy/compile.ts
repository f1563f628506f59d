/**
 * Compiling a policy once into the form decisions read fast: parsed ranges, lower-cased sets, parsed times.
 * Compiled forms are cached per policy object, so an engine over the same policies never compiles twice.
 */
import type { PolicyDocumentValue, QueryType } from './document.js';
import { type IpRange, parseCidr } from './ip.js';
import { parseTimeOfDay, type TimeOfDay } from './time-of-day.js';
import type { PolicyInput, TcpDestination } from './types.js';

export interface CompiledDestination {
  source: TcpDestination;
  /** `*`, a host name compared case-insensitively, or an IP range. */
  address: '*' | { host: string } | IpRange;
  ports: [from: number, to: number];
}

export interface CompiledPolicy {
  source: PolicyInput;
  targets: { orgWide: boolean; socketIds: Set<string>; tagRules: [string, string][][] };
  who?: { emails: Set<string>; groups: Set<string>; serviceAccounts: Set<string> };
  where?: { ranges?: IpRange[]; rangeText?: string; countries?: Set<string>; countriesNot?: Set<string> };
  when?: { after?: number; before?: number; dailyAfter?: TimeOfDay; dailyBefore?: TimeOfDay };
  permissions: PolicyDocumentValue['permissions'];
  ssh?: {
    /** Allowed commands exactly as written: compared character for character (see command.ts). */
    commands: Set<string> | null;
    destinations: CompiledDestination[] | null;
    usernames: Set<string> | null;
  };
  databases?: Map<string, Set<QueryType>> | null;
}

const cache = new WeakMap<PolicyInput, CompiledPolicy>();

function compileDestination(source: TcpDestination): CompiledDestination {
  const [from, to = from] =
    source.destination_port === '*' ? [1, 65535] : source.destination_port.split('-').map(Number);
  const range = source.destination_address === '*' ? undefined : parseCidr(source.destination_address);
  return {
    source,
    address:
      source.destination_address === '*'
        ? '*'
        : (range ?? { host: source.destination_address.toLowerCase() }),
    ports: [from!, to!],
  };
}

export function compilePolicy(policy: PolicyInput): CompiledPolicy {
  const cached = cache.get(policy);
  if (cached) return cached;
  const { permissions, condition } = policy.document;
  const compiled: CompiledPolicy = {
    source: policy,
    targets: {
      orgWide: policy.org_wide,
      socketIds: new Set(policy.socket_ids),
      // An empty rule would match every socket: it is refused on input and ignored here.
      tagRules: policy.tag_rules.map((rule) => Object.entries(rule)).filter((rule) => rule.length > 0),
    },
    permissions,
  };
  if (condition.who) {
    compiled.who = {
      emails: new Set((condition.who.email ?? []).map((e) => e.toLowerCase())),
      groups: new Set(condition.who.group ?? []),
      serviceAccounts: new Set(condition.who.service_account ?? []),
    };
  }
  if (condition.where) {
    const { allowed_ip, country, country_not } = condition.where;
    compiled.where = {
      ...(allowed_ip && {
        ranges: allowed_ip.map((text) => parseCidr(text)).filter((r): r is IpRange => r !== undefined),
        rangeText: allowed_ip.join(', '),
      }),
      ...(country && { countries: new Set(country) }),
      ...(country_not && { countriesNot: new Set(country_not) }),
    };
  }
  if (condition.when) {
    const { after, before, time_of_day_after, time_of_day_before } = condition.when;
    compiled.when = {
      ...(after && { after: Date.parse(after) }),
      ...(before && { before: Date.parse(before) }),
      ...(time_of_day_after && { dailyAfter: parseTimeOfDay(time_of_day_after)! }),
      ...(time_of_day_before && { dailyBefore: parseTimeOfDay(time_of_day_before)! }),
    };
  }
  if (permissions.ssh) {
    const { exec, tcp_forwarding, allowed_usernames } = permissions.ssh;
    compiled.ssh = {
      commands: exec?.commands ? new Set(exec.commands) : null,
      destinations: tcp_forwarding?.allowed_connections
        ? tcp_forwarding.allowed_connections.map(compileDestination)
        : null,
      usernames: allowed_usernames ? new Set(allowed_usernames) : null,
    };
  }
  if (permissions.database) {
    const list = permissions.database.allowed_databases;
    compiled.databases = null;
    if (list) {
      // The same database named twice allows the query types of both entries.
      const databases = new Map<string, Set<QueryType>>();
      for (const entry of list) {
        const types = databases.get(entry.database) ?? new Set<QueryType>();
        for (const type of entry.allowed_query_types) types.add(type);
        databases.set(entry.database, types);
      }
      compiled.databases = databases;
    }
  }
  cache.set(policy, compiled);
  return compiled;
}

/** Org-wide, attached by id, or one tag rule whose every tag the socket carries (OR across rules). */
export function appliesToSocket(
  policy: CompiledPolicy,
  socket: { id: string; tags: Record<string, string> },
): boolean {
  const { orgWide, socketIds, tagRules } = policy.targets;
  if (orgWide || socketIds.has(socket.id)) return true;
  return tagRules.some((rule) => rule.every(([key, value]) => socket.tags[key] === value));
}
