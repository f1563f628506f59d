/**
 * What `border0 policy test` asks and how it shows the answer: the action built from flags, and a decision
 * in words (the verdict, one line per policy, the effective permissions). Pure.
 */
import type { Schema } from '@border0/sdk';
import { UsageError } from './errors.js';
import { formatTable } from './output.js';
import { visible } from './terminal-text.js';

export type AccessAction = Schema<'AccessAction'>;
type SshKind = Schema<'SshAccessAction'>['kind'];
type QueryType = NonNullable<Schema<'DatabaseAccessAction'>['query_type']>;
type Permissions = NonNullable<Schema<'AccessDecision'>['permissions']>;

export interface ActionFlags {
  action?: string | undefined;
  command?: string | undefined;
  to?: string | undefined;
  database?: string | undefined;
  login?: string | undefined;
}

const SSH_KINDS: Record<string, SshKind> = {
  connect: 'connect',
  shell: 'shell',
  exec: 'exec',
  sftp: 'sftp',
  forward: 'tcp_forwarding',
  tcp_forwarding: 'tcp_forwarding',
  agent: 'agent_forwarding',
  agent_forwarding: 'agent_forwarding',
};
const QUERY_TYPES: readonly string[] = ['read_only', 'read_write', 'ddl', 'admin'] satisfies QueryType[];
export const ACTIONS =
  'ssh[:connect|shell|exec|sftp|forward|agent], database[:read_only|read_write|ddl|admin], http, tls';

/** `--to host:port` (or `[v6]:port`) as the API's forwarding destination. */
export function parseDestination(text: string): { destination_address: string; destination_port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) {
    throw new UsageError(`--to expects host:port (port 1-65535), got ${JSON.stringify(text)}`);
  }
  return { destination_address: (match[1] ?? match[2])!, destination_port: port };
}

/** Flags that only make sense with one kind of action, so a typo'd combination is not silently ignored. */
function refuseExtras(flags: ActionFlags, allowed: (keyof ActionFlags)[], action: string): void {
  const names: [keyof ActionFlags, string][] = [
    ['command', '--command'],
    ['to', '--to'],
    ['database', '--database'],
    ['login', '--login'],
  ];
  for (const [key, flag] of names) {
    if (flags[key] !== undefined && !allowed.includes(key)) {
      throw new UsageError(`${flag} does not go with the action ${action}`);
    }
  }
}

/**
 * The action to check: `--action` when given, else the socket's own type (a session at all: ssh connect,
 * database access without naming a database).
 */
export function parseAction(flags: ActionFlags, socketType?: string): AccessAction {
  const text = flags.action ?? socketType;
  if (text === undefined) throw new UsageError('give --action');
  const [type, detail, ...rest] = text.split(':');
  const invalid = () => new UsageError(`--action takes ${ACTIONS}, not ${JSON.stringify(text)}`);
  if (rest.length > 0) throw invalid();
  if (type === 'ssh') {
    const kind = SSH_KINDS[detail ?? 'connect'];
    if (!kind) throw invalid();
    const username = flags.login === undefined ? {} : { username: flags.login };
    if (kind === 'exec') {
      refuseExtras(flags, ['command', 'login'], text);
      if (flags.command === undefined) throw new UsageError(`--action ${text} needs --command`);
      return { type, kind, command: flags.command, ...username };
    }
    if (kind === 'tcp_forwarding') {
      refuseExtras(flags, ['to', 'login'], text);
      if (flags.to === undefined) throw new UsageError(`--action ${text} needs --to host:port`);
      return { type, kind, ...parseDestination(flags.to), ...username };
    }
    refuseExtras(flags, ['login'], text);
    return { type, kind, ...username };
  }
  if (type === 'database') {
    refuseExtras(flags, ['database'], text);
    if (detail === undefined)
      return { type, ...(flags.database !== undefined && { database: flags.database }) };
    if (!QUERY_TYPES.includes(detail)) throw invalid();
    if (flags.database === undefined) throw new UsageError(`--action ${text} needs --database NAME`);
    return { type, database: flags.database, query_type: detail as QueryType };
  }
  if ((type === 'http' || type === 'tls') && detail === undefined) {
    refuseExtras(flags, [], text);
    return { type };
  }
  throw invalid();
}

/** `3600` → `1h`, `5400` → `1h30m`. */
export function formatSeconds(seconds: number): string {
  const parts = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ] as const;
  return parts
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join('');
}

/** An allow-list after a name: null allows any (nothing shown), an empty list allows none. */
const listed = (items: string[] | null) => (items === null ? '' : ` (${items.join(', ') || 'none'})`);

/** What the identity may do, on one line: `ssh: shell, exec (uptime); logins: ubuntu; sessions up to 1h`. */
export function formatPermissions(permissions: Permissions): string {
  const parts: string[] = [];
  const { ssh, database } = permissions;
  if (ssh) {
    const allowed = [
      ssh.shell && 'shell',
      ssh.exec.allowed && `exec${listed(ssh.exec.commands)}`,
      ssh.sftp && 'sftp',
      ssh.tcp_forwarding.allowed &&
        `forwarding${listed(
          ssh.tcp_forwarding.allowed_connections?.map(
            (c) => `${c.destination_address}:${c.destination_port}`,
          ) ?? null,
        )}`,
      ssh.agent_forwarding && 'agent forwarding',
    ].filter(Boolean);
    parts.push(`ssh: ${allowed.join(', ') || 'connect only'}`);
    if (ssh.allowed_usernames !== null) parts.push(`logins: ${ssh.allowed_usernames.join(', ') || 'none'}`);
  } else if (database) {
    const databases = database.allowed_databases;
    parts.push(
      databases === null
        ? 'database: any database'
        : `database: ${databases.map((d) => `${d.database} (${d.allowed_query_types.join(', ')})`).join(', ') || 'none'}`,
    );
  } else parts.push(permissions.socket_type);
  if (permissions.max_session_duration_seconds !== null) {
    parts.push(`sessions up to ${formatSeconds(permissions.max_session_duration_seconds)}`);
  }
  return parts.join('; ');
}

type Decision = Schema<'AccessDecision'> & { applies_to_socket?: boolean };

/** The decision for people: the verdict first, then where from, each policy's verdict, and what is allowed. */
export function formatDecision(decision: Decision, policy?: string): string {
  const text = decision.reason.replace(/^(allowed|denied):?\s*/, '');
  const lines = [decision.allowed ? `ALLOWED ${text}` : `DENIED: ${text}`];
  if (policy !== undefined) {
    lines.push(
      decision.applies_to_socket
        ? `policy ${policy} applies to socket ${decision.socket.name}`
        : `policy ${policy} does not apply to socket ${decision.socket.name}; tested as if it did`,
    );
  }
  if (decision.country !== null) lines.push(`country: ${decision.country} (${decision.ip})`);
  let tableLine = -1;
  if (decision.explanation.length > 0) {
    tableLine = lines.length;
    lines.push(
      formatTable(decision.explanation.map((v) => [`${v.matched ? '✓' : '✗'} ${v.policy_name}`, v.reason])),
    );
  }
  if (decision.allowed && decision.permissions) {
    lines.push(`permissions: ${formatPermissions(decision.permissions)}`);
  }
  // The table makes its own cells visible; the other lines carry names and reasons chosen elsewhere.
  return lines.map((line, i) => (i === tableLine ? line : visible(line))).join('\n');
}
