/**
 * Access decisions. Default deny: a request is allowed only when one policy that applies to the socket
 * matches who, where and when, and allows the action. Every decision explains itself policy by policy.
 */
import { controlCharacterRefusal, escapeControlCharacters, quoteCommand } from './command.js';
import { type CompiledPolicy, compilePolicy } from './compile.js';
import type { QueryType } from './document.js';
import { type IpAddress, parseIp, rangeContains } from './ip.js';
import { PolicyIndex } from './policy-index.js';
import { inDailyWindow, minuteOfDay } from './time-of-day.js';
import type {
  AccessAction,
  AccessRequest,
  Decision,
  EffectivePermissions,
  FailedCondition,
  PolicyInput,
  PolicyVerdict,
  SocketInput,
} from './types.js';

/** The request, read once per decision. */
interface RequestFacts {
  email: string | undefined;
  groups: string[];
  serviceAccount: string | undefined;
  who: string;
  ipText: string | undefined;
  ip: IpAddress | undefined;
  country: string | null;
  time: Date;
  ms: number;
  action: AccessAction;
  /** The one `who` failure of this request, made on first use: every policy that does not name it says it. */
  whoFailure?: Failure;
}

function factsOf(request: AccessRequest): RequestFacts {
  const { identity } = request;
  const time = request.time === undefined ? new Date() : new Date(request.time);
  const email = identity.email?.toLowerCase();
  return {
    email,
    // Copies: an explanation may be read after the caller has changed its request.
    groups: identity.groups?.length ? [...identity.groups] : [],
    serviceAccount: identity.service_account,
    who:
      email ??
      (identity.service_account ? `service account ${identity.service_account}` : 'an unnamed identity'),
    ipText: request.ip,
    ip: request.ip === undefined ? undefined : parseIp(request.ip),
    country: request.country ?? null,
    time,
    ms: time.getTime(),
    action: { ...request.action },
  };
}

type Failure = { failed: FailedCondition; reason: string } | undefined;

function checkWho(policy: CompiledPolicy, f: RequestFacts): Failure {
  const who = policy.who;
  if (!who) return undefined;
  if (f.email !== undefined && who.emails.has(f.email)) return undefined;
  if (f.serviceAccount !== undefined && who.serviceAccounts.has(f.serviceAccount)) return undefined;
  for (const group of f.groups) if (who.groups.has(group)) return undefined;
  f.whoFailure ??= {
    failed: 'who',
    reason: `who: ${f.who} is not named by this policy, nor in one of its groups`,
  };
  return f.whoFailure;
}

function checkWhere(policy: CompiledPolicy, f: RequestFacts): Failure {
  const where = policy.where;
  if (!where) return undefined;
  if (where.ranges) {
    if (!f.ip) {
      const address =
        f.ipText === undefined ? 'the client address is unknown' : `${f.ipText} is not an IP address`;
      return { failed: 'where', reason: `where: ${address}, and this policy allows only ${where.rangeText}` };
    }
    if (!where.ranges.some((range) => rangeContains(range, f.ip!))) {
      return { failed: 'where', reason: `where: ${f.ipText} is outside ${where.rangeText}` };
    }
  }
  if (where.countries && (f.country === null || !where.countries.has(f.country))) {
    const allowed = [...where.countries].join(', ');
    return {
      failed: 'where',
      reason:
        f.country === null
          ? `where: the country of ${f.ipText ?? 'the client'} is unknown (private and loopback addresses have none), and this policy allows only ${allowed}`
          : `where: ${f.country} is not among the allowed countries (${allowed})`,
    };
  }
  if (where.countriesNot && f.country !== null && where.countriesNot.has(f.country)) {
    return { failed: 'where', reason: `where: connections from ${f.country} are excluded` };
  }
  return undefined;
}

function checkWhen(policy: CompiledPolicy, f: RequestFacts): Failure {
  const when = policy.when;
  if (!when) return undefined;
  if (when.after !== undefined && f.ms < when.after) {
    return {
      failed: 'when',
      reason: `when: ${f.time.toISOString()} is before ${new Date(when.after).toISOString()}`,
    };
  }
  if (when.before !== undefined && f.ms >= when.before) {
    return {
      failed: 'when',
      reason: `when: ${f.time.toISOString()} is not before ${new Date(when.before).toISOString()}`,
    };
  }
  if (!inDailyWindow(f.time, when.dailyAfter, when.dailyBefore)) {
    const zone = (when.dailyAfter ?? when.dailyBefore)!.zone;
    const minutes = minuteOfDay(f.time, zone);
    const clock = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')} ${zone}`;
    const window = `${when.dailyAfter?.text ?? 'midnight'} to ${when.dailyBefore?.text ?? 'midnight'}`;
    return { failed: 'when', reason: `when: ${clock} is outside the daily window ${window}` };
  }
  return undefined;
}

const denyPermission = (reason: string): Failure => ({
  failed: 'permission',
  reason: `permission: ${reason}`,
});

function checkSsh(policy: CompiledPolicy, action: Extract<AccessAction, { type: 'ssh' }>): Failure {
  const ssh = policy.permissions.ssh!;
  const compiled = policy.ssh!;
  if (action.username !== undefined && compiled.usernames && !compiled.usernames.has(action.username)) {
    return denyPermission(
      `logging in as ${escapeControlCharacters(action.username)} is not allowed (allowed: ${[...compiled.usernames].join(', ')})`,
    );
  }
  switch (action.kind) {
    case 'connect':
      return undefined;
    case 'shell':
    case 'sftp':
    case 'agent_forwarding':
      return ssh[action.kind]
        ? undefined
        : denyPermission(`ssh ${action.kind.replace('_', ' ')} is not allowed`);
    case 'exec': {
      if (!ssh.exec) return denyPermission('running commands (ssh exec) is not allowed');
      // Even where any command is allowed: a shell reads a control character as part of the command line.
      const refusal = controlCharacterRefusal(action.command);
      if (refusal) return denyPermission(refusal);
      // Exactly as the upstream will run it: no trimming, no folding of white space, no normalisation.
      if (compiled.commands && !compiled.commands.has(action.command)) {
        return denyPermission(
          `the command ${quoteCommand(action.command)} is not among the allowed commands (compared exactly)`,
        );
      }
      return undefined;
    }
    case 'tcp_forwarding': {
      if (!ssh.tcp_forwarding) return denyPermission('port forwarding is not allowed');
      if (!compiled.destinations) return undefined;
      const target = parseIp(action.destination_address);
      const host = action.destination_address.toLowerCase();
      const allowed = compiled.destinations.some(({ address, ports }) => {
        if (action.destination_port < ports[0] || action.destination_port > ports[1]) return false;
        if (address === '*') return true;
        if ('host' in address) return address.host === host;
        return target !== undefined && rangeContains(address, target);
      });
      return allowed
        ? undefined
        : denyPermission(
            `forwarding to ${escapeControlCharacters(action.destination_address)}:${action.destination_port} is not allowed`,
          );
    }
  }
}

function checkDatabase(policy: CompiledPolicy, action: Extract<AccessAction, { type: 'database' }>): Failure {
  const databases = policy.databases;
  if (databases === null || databases === undefined) return undefined;
  if (action.database === undefined) {
    return databases.size > 0 ? undefined : denyPermission('no database is allowed');
  }
  const named = databases.get(action.database);
  const any = databases.get('*');
  if (!named && !any)
    return denyPermission(`the database ${escapeControlCharacters(action.database)} is not allowed`);
  if (action.query_type === undefined) return undefined;
  const allows = (types: Set<QueryType> | undefined) => types?.has('all') || types?.has(action.query_type!);
  if (allows(named) || allows(any)) return undefined;
  return denyPermission(
    `${action.query_type.replace('_', ' ')} queries on ${escapeControlCharacters(action.database)} are not allowed`,
  );
}

function checkPermission(policy: CompiledPolicy, socket: SocketInput, action: AccessAction): Failure {
  if (!policy.permissions[socket.socket_type]) {
    return denyPermission(`this policy does not allow ${socket.socket_type} sockets`);
  }
  if (action.type !== socket.socket_type) {
    return denyPermission(`a ${action.type} action on a ${socket.socket_type} socket`);
  }
  if (action.type === 'ssh') return checkSsh(policy, action);
  if (action.type === 'database') return checkDatabase(policy, action);
  return undefined;
}

function describeAction(action: AccessAction): string {
  switch (action.type) {
    case 'ssh': {
      const as = action.username === undefined ? '' : ` as ${escapeControlCharacters(action.username)}`;
      if (action.kind === 'exec') return `ssh exec of ${quoteCommand(action.command)}${as}`;
      if (action.kind === 'tcp_forwarding')
        return `forwarding to ${escapeControlCharacters(action.destination_address)}:${action.destination_port}${as}`;
      return `${action.kind === 'connect' ? 'ssh access' : `ssh ${action.kind.replace('_', ' ')}`}${as}`;
    }
    case 'database':
      return action.database === undefined
        ? 'database access'
        : `${action.query_type ? `${action.query_type.replace('_', ' ')} queries on` : 'access to'} ${escapeControlCharacters(action.database)}`;
    default:
      return `${action.type} access`;
  }
}

/** Adds what one matching policy allows to the effective permissions. */
function grant(into: EffectivePermissions, policy: CompiledPolicy): void {
  const { ssh, database } = policy.permissions;
  if (into.socket_type === 'ssh' && ssh) {
    into.ssh ??= {
      shell: false,
      exec: { allowed: false, commands: [] },
      sftp: false,
      tcp_forwarding: { allowed: false, allowed_connections: [] },
      agent_forwarding: false,
      allowed_usernames: [],
    };
    const e = into.ssh;
    e.shell ||= Boolean(ssh.shell);
    e.sftp ||= Boolean(ssh.sftp);
    e.agent_forwarding ||= Boolean(ssh.agent_forwarding);
    if (ssh.exec) {
      e.exec.allowed = true;
      e.exec.commands = mergeList(e.exec.commands, ssh.exec.commands);
    }
    if (ssh.tcp_forwarding) {
      e.tcp_forwarding.allowed = true;
      e.tcp_forwarding.allowed_connections = mergeList(
        e.tcp_forwarding.allowed_connections,
        ssh.tcp_forwarding.allowed_connections,
        (c) => `${c.destination_address}:${c.destination_port}`,
      );
    }
    e.allowed_usernames = mergeList(e.allowed_usernames, ssh.allowed_usernames);
    into.max_session_duration_seconds = smaller(
      into.max_session_duration_seconds,
      ssh.max_session_duration_seconds,
    );
  }
  if (into.socket_type === 'database' && database) {
    into.database ??= { allowed_databases: [] };
    const e = into.database;
    if (!database.allowed_databases || e.allowed_databases === null) e.allowed_databases = null;
    else {
      for (const entry of database.allowed_databases) {
        const existing = e.allowed_databases.find((d) => d.database === entry.database);
        if (existing)
          existing.allowed_query_types = [
            ...new Set([...existing.allowed_query_types, ...entry.allowed_query_types]),
          ];
        else
          e.allowed_databases.push({
            database: entry.database,
            allowed_query_types: [...entry.allowed_query_types],
          });
      }
    }
    into.max_session_duration_seconds = smaller(
      into.max_session_duration_seconds,
      database.max_session_duration_seconds,
    );
  }
}

/** Union of two allow-lists where null (or an absent list) means "anything". */
function mergeList<T>(
  current: T[] | null,
  added: T[] | undefined,
  key: (item: T) => string = String,
): T[] | null {
  if (current === null || added === undefined) return null;
  const seen = new Set(current.map(key));
  return [...current, ...added.filter((item) => !seen.has(key(item)) && seen.add(key(item)))];
}

function smaller(a: number | null, b: number | undefined): number | null {
  if (b === undefined) return a;
  return a === null ? b : Math.min(a, b);
}

/** Decides over policies already compiled and known to apply to the socket. */
export function decideWith(
  policies: readonly CompiledPolicy[],
  socket: SocketInput,
  request: AccessRequest,
): Decision {
  return scan(policies, socket, factsOf(request));
}

/** Every policy, each explained: the reference decision, and the explanation of an indexed one. */
function scan(policies: readonly CompiledPolicy[], socket: SocketInput, f: RequestFacts): Decision {
  const explanation: PolicyVerdict[] = [];
  let permissions: EffectivePermissions | null = null;
  let allowedBy: string | undefined;
  for (const policy of policies) {
    const failure = checkWho(policy, f) ?? checkWhere(policy, f) ?? checkWhen(policy, f);
    const actionFailure = failure ?? checkPermission(policy, socket, f.action);

    if (!failure && policy.permissions[socket.socket_type]) {
      permissions ??= { socket_type: socket.socket_type, max_session_duration_seconds: null };
      grant(permissions, policy);
    }
    if (actionFailure) {
      explanation.push({
        policy_id: policy.source.id,
        policy_name: policy.source.name,
        matched: false,
        failed: actionFailure.failed,
        reason: actionFailure.reason,
      });
    } else {
      allowedBy ??= policy.source.name;
      explanation.push({
        policy_id: policy.source.id,
        policy_name: policy.source.name,
        matched: true,
        reason: `allows ${describeAction(f.action)}`,
      });
    }
  }
  return {
    allowed: allowedBy !== undefined,
    reason: reasonOf(allowedBy, f, policies.length),
    permissions,
    explanation,
  };
}

function reasonOf(allowedBy: string | undefined, f: RequestFacts, applying: number): string {
  if (allowedBy) return `allowed by policy ${allowedBy}`;
  const refusal =
    f.action.type === 'ssh' && f.action.kind === 'exec' && controlCharacterRefusal(f.action.command);
  if (refusal) return `denied: ${refusal}`;
  if (applying === 0) return 'denied: no policy applies to this socket';
  if (applying === 1)
    return `denied: the one policy that applies to this socket does not allow ${describeAction(f.action)}`;
  return `denied: none of the ${applying} policies that apply to this socket allows ${describeAction(f.action)}`;
}

/**
 * The decision over the candidates of an identity (see policy-index.ts), equal to the scan of every policy
 * that applies to the socket: policies left out fail `who` or allow nothing on this type of socket, so they
 * neither allow nor add permissions. Only the explanation needs them all: it is made on first read, from the request as it was decided.
 */
function decideIndexed(
  applying: readonly CompiledPolicy[],
  candidates: readonly CompiledPolicy[],
  socket: SocketInput,
  f: RequestFacts,
): Decision {
  let permissions: EffectivePermissions | null = null;
  let allowedBy: string | undefined;
  for (const policy of candidates) {
    if (checkWho(policy, f) ?? checkWhere(policy, f) ?? checkWhen(policy, f)) continue;
    if (policy.permissions[socket.socket_type]) {
      permissions ??= { socket_type: socket.socket_type, max_session_duration_seconds: null };
      grant(permissions, policy);
    }
    if (allowedBy === undefined && !checkPermission(policy, socket, f.action)) allowedBy = policy.source.name;
  }
  const decision = {
    allowed: allowedBy !== undefined,
    reason: reasonOf(allowedBy, f, applying.length),
    permissions,
  } as Decision;
  unexplained.set(decision, { applying, socket, f });
  // An own, enumerable property made on first read, so JSON, spreads and comparisons see it as before. One
  // descriptor for every decision keeps their shape shared.
  return Object.defineProperty(decision, 'explanation', EXPLANATION);
}

/** What an indexed decision needs to explain itself, until it is asked to. */
const unexplained = new WeakMap<
  Decision,
  { applying: readonly CompiledPolicy[]; socket: SocketInput; f: RequestFacts }
>();
const explained = new WeakMap<Decision, PolicyVerdict[]>();

const EXPLANATION: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: Decision): PolicyVerdict[] {
    let explanation = explained.get(this);
    if (!explanation) {
      const pending = unexplained.get(this);
      explanation = pending ? scan(pending.applying, pending.socket, pending.f).explanation : [];
      unexplained.delete(this);
      explained.set(this, explanation);
    }
    return explanation;
  },
  set(this: Decision, value: PolicyVerdict[]) {
    unexplained.delete(this);
    explained.set(this, value);
  },
};

/**
 * Decisions over an organization's policies. Policies are compiled and indexed once (by socket, tag and
 * identity: see policy-index.ts), so a decision reads only the policies that can match the identity on the
 * socket; build a new engine when the policies change. Decisions are the same as a scan of every policy;
 * their explanation (one verdict per policy that applies to the socket) is made when first read.
 *
 * @example
 * const engine = new PolicyEngine(policies);
 * const { allowed, explanation } = engine.decide(socket, {
 *   identity: { email: 'alice@acme.dev' },
 *   action: { type: 'ssh', kind: 'exec', command: 'uptime' },
 *   ip: '203.0.113.7',
 *   country: 'NL',
 * });
 */
export class PolicyEngine {
  readonly #index: PolicyIndex;

  constructor(policies: readonly PolicyInput[]) {
    this.#index = new PolicyIndex(policies.map(compilePolicy));
  }

  /** The compiled policies that apply to a socket: org-wide, attached by id, or by a matching tag rule. */
  policiesFor(socket: SocketInput): CompiledPolicy[] {
    return this.#index.forSocket(socket).applying;
  }

  decide(socket: SocketInput, request: AccessRequest): Decision {
    const f = factsOf(request);
    const entry = this.#index.forSocket(socket);
    return decideIndexed(entry.applying, entry.candidates(f.email, f.groups, f.serviceAccount), socket, f);
  }
}

/** One decision without keeping an engine. */
export function decide(
  policies: readonly PolicyInput[],
  socket: SocketInput,
  request: AccessRequest,
): Decision {
  return new PolicyEngine(policies).decide(socket, request);
}
