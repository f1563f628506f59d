import type { Schema } from '@border0/sdk';
import { describe, expect, it } from 'vitest';
import {
  formatDecision,
  formatPermissions,
  formatSeconds,
  parseAction,
  parseDestination,
} from './access-check.js';

describe('parseAction', () => {
  it('defaults to a session on the socket type', () => {
    expect(parseAction({}, 'ssh')).toEqual({ type: 'ssh', kind: 'connect' });
    expect(parseAction({}, 'database')).toEqual({ type: 'database' });
    expect(parseAction({ database: 'app' }, 'database')).toEqual({ type: 'database', database: 'app' });
    expect(parseAction({}, 'http')).toEqual({ type: 'http' });
    expect(parseAction({ action: 'tls' }, 'http')).toEqual({ type: 'tls' });
  });

  it('reads ssh kinds, with their details and the login name', () => {
    expect(parseAction({ action: 'ssh:shell', login: 'ubuntu' })).toEqual({
      type: 'ssh',
      kind: 'shell',
      username: 'ubuntu',
    });
    expect(parseAction({ action: 'ssh:exec', command: 'uptime' })).toEqual({
      type: 'ssh',
      kind: 'exec',
      command: 'uptime',
    });
    expect(parseAction({ action: 'ssh:forward', to: 'db.internal:5432' })).toEqual({
      type: 'ssh',
      kind: 'tcp_forwarding',
      destination_address: 'db.internal',
      destination_port: 5432,
    });
    expect(parseAction({ action: 'ssh:agent' })).toMatchObject({ kind: 'agent_forwarding' });
    expect(parseAction({ action: 'ssh:sftp' })).toMatchObject({ kind: 'sftp' });
  });

  it('reads database query types, which need a database', () => {
    expect(parseAction({ action: 'database:read_write', database: 'app' })).toEqual({
      type: 'database',
      database: 'app',
      query_type: 'read_write',
    });
    expect(() => parseAction({ action: 'database:ddl' })).toThrow(
      '--action database:ddl needs --database NAME',
    );
  });

  it('refuses unknown actions, missing details and flags that do not fit', () => {
    expect(() => parseAction({ action: 'ssh:reboot' })).toThrow(/--action takes ssh\[/);
    expect(() => parseAction({ action: 'http:get' })).toThrow(/not "http:get"/);
    expect(() => parseAction({ action: 'ssh:exec' })).toThrow('--action ssh:exec needs --command');
    expect(() => parseAction({ action: 'ssh:forward' })).toThrow('needs --to host:port');
    expect(() => parseAction({ command: 'uptime' }, 'ssh')).toThrow(
      '--command does not go with the action ssh',
    );
    expect(() => parseAction({ login: 'root' }, 'database')).toThrow('--login does not go');
  });
});

describe('parseDestination', () => {
  it('reads host:port and [IPv6]:port', () => {
    expect(parseDestination('10.0.0.5:22')).toEqual({
      destination_address: '10.0.0.5',
      destination_port: 22,
    });
    expect(parseDestination('[fd00::5]:5432')).toEqual({
      destination_address: 'fd00::5',
      destination_port: 5432,
    });
  });

  it('refuses a missing or out-of-range port and bare IPv6', () => {
    for (const text of ['db', 'db:0', 'db:65536', 'fd00::5:22', ':22']) {
      expect(() => parseDestination(text)).toThrow(/--to expects host:port/);
    }
  });
});

describe('formatPermissions', () => {
  it('shows ssh permissions with their lists, logins and the session limit', () => {
    expect(
      formatPermissions({
        socket_type: 'ssh',
        ssh: {
          shell: true,
          exec: { allowed: true, commands: ['uptime', 'df -h'] },
          sftp: false,
          tcp_forwarding: {
            allowed: true,
            allowed_connections: [{ destination_address: '10.0.0.5', destination_port: '5432' }],
          },
          agent_forwarding: false,
          allowed_usernames: ['ubuntu'],
        },
        max_session_duration_seconds: 5400,
      }),
    ).toBe(
      'ssh: shell, exec (uptime, df -h), forwarding (10.0.0.5:5432); logins: ubuntu; sessions up to 1h30m',
    );
  });

  it('shows databases, any database, and plain socket types', () => {
    expect(
      formatPermissions({
        socket_type: 'database',
        database: { allowed_databases: [{ database: 'app', allowed_query_types: ['read_only'] }] },
        max_session_duration_seconds: null,
      }),
    ).toBe('database: app (read_only)');
    expect(
      formatPermissions({
        socket_type: 'database',
        database: { allowed_databases: null },
        max_session_duration_seconds: null,
      }),
    ).toBe('database: any database');
    expect(formatPermissions({ socket_type: 'http', max_session_duration_seconds: null })).toBe('http');
  });

  it('writes durations compactly', () => {
    expect([45, 3600, 90_061].map(formatSeconds)).toEqual(['45s', '1h', '1d1h1m1s']);
  });
});

describe('formatDecision', () => {
  const decision: Schema<'AccessDecision'> = {
    allowed: true,
    reason: 'allowed by policy web-team',
    permissions: { socket_type: 'http', max_session_duration_seconds: null },
    explanation: [
      { policy_id: 'p1', policy_name: 'office-only', matched: false, failed: 'where', reason: 'where: x' },
      { policy_id: 'p2', policy_name: 'web-team', matched: true, reason: 'allows http access' },
    ],
    socket: { id: 's1', name: 'web', socket_type: 'http' },
    identity: { email: 'alice@acme.dev', service_account: null, groups: [] },
    ip: '193.0.6.139',
    country: 'NL',
    time: '2026-11-26T10:00:00.000Z',
  };

  it('puts the verdict first, then the country, one line per policy and the permissions', () => {
    expect(formatDecision(decision)).toBe(
      [
        'ALLOWED by policy web-team',
        'country: NL (193.0.6.139)',
        '✗ office-only  where: x',
        '✓ web-team     allows http access',
        'permissions: http',
      ].join('\n'),
    );
  });

  it('says whether a tested policy applies, and leaves out what is unknown or denied', () => {
    const denied = {
      ...decision,
      allowed: false,
      reason: 'denied: the one policy that applies to this socket does not allow http access',
      country: null,
      explanation: [decision.explanation[0]!],
      applies_to_socket: false,
    };
    expect(formatDecision(denied, 'office-only')).toBe(
      [
        'DENIED: the one policy that applies to this socket does not allow http access',
        'policy office-only does not apply to socket web; tested as if it did',
        '✗ office-only  where: x',
      ].join('\n'),
    );
  });

  it('shows escape sequences in reasons and names visibly, line by line', () => {
    const hostile = {
      ...decision,
      reason: 'allowed by policy web\u001b]0;x\u0007',
      explanation: [
        { ...decision.explanation[1]!, policy_name: 'web\u001b]0;x\u0007', reason: 'r\u001b[6n' },
      ],
      socket: { ...decision.socket, name: 'web\u009b6n' },
    };
    expect(formatDecision(hostile, 'p')).toBe(
      [
        'ALLOWED by policy web\\x1b]0;x\\x07',
        'policy p does not apply to socket web\\x9b6n; tested as if it did',
        'country: NL (193.0.6.139)',
        '✓ web\\x1b]0;x\\x07  r\\x1b[6n',
        'permissions: http',
      ].join('\n'),
    );
  });
});
