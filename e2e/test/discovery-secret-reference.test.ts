/**
 * A discovered socket's credentials as references, end to end, every part its own process (API, proxy,
 * connector, `border0 client db`, psql): the network plugin finds a real PostgreSQL server that asks for a
 * SCRAM-SHA-256 password, with `upstream.postgres.password: ${from:env:NAME}` in connector.yaml and the
 * variable set only in the connector's environment; psql logs in and runs a query without anyone typing
 * the password; the control plane holds the reference, never the password; another reference written into
 * connector.yaml reaches the socket (and the connector's allow-list); a connector without the variable makes
 * the login fail saying why. The same for MariaDB (the mysql client), whose user's password is checked.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Border0Client, createClient } from '@border0/sdk';
import {
  BIN,
  CLUSTER_PASSWORDS,
  createMariaDbDatabase,
  eventually,
  freePort,
  type Platform,
  type PostgresCluster,
  daemon as startDaemon,
  startPlatform,
  startPostgresCluster,
  stopChild,
  type ThrowawayDatabase,
  tempDir,
} from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const children: ChildProcess[] = [];
// Built from a `$` so that no linter takes it for a template.
const $ = '$';
/** Set only in the first connector's environment, never in this process's or the platform's. */
const VARIABLE = 'BORDER0_E2E_DISCOVERED_PG_PASSWORD';
const REFERENCE = `${$}{from:env:${VARIABLE}}`;
/** The MariaDB user's password, likewise set only in the connectors' environment. */
const MYSQL_VARIABLE = 'BORDER0_E2E_DISCOVERED_MYSQL_PASSWORD';

let mariadb: ThrowawayDatabase;
let connectorRunning = false;

let cluster: PostgresCluster;
let api: Platform;
let admin: Border0Client;
let env: Record<string, string>;
let proxyPort: number;
let connectorToken: string;
let configFile: string;
let discovered: string;

/** psql through a listener, with no password anywhere (PGPASSWORD empty, never prompted). */
function psql(port: number, sql: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      'psql',
      ['-h', '127.0.0.1', '-p', String(port), '-U', 'nobody', '-d', 'shop', '-w', '-X', '-Atc', sql],
      { env: { ...process.env, PGPASSWORD: '', PGCONNECT_TIMEOUT: '10' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** `border0 client db <socket> --listen` on a free port; resolves with the port. */
async function listener(socket: string): Promise<number> {
  const port = await freePort();
  await startDaemon(
    children,
    process.execPath,
    [BIN, 'client', 'db', socket, '--listen', `127.0.0.1:${port}`, '--proxy', `127.0.0.1:${proxyPort}`],
    env,
    /is at 127\.0\.0\.1/,
  );
  return port;
}

const startConnector = async (extraEnv: Record<string, string>) => {
  const started = await startDaemon(
    children,
    process.execPath,
    [BIN, 'connector', 'start', '--token', connectorToken, '--config', configFile],
    { ...env, [MYSQL_VARIABLE]: mariadb.password, ...extraEnv },
    /connector lab serves/,
  );
  connectorRunning = true;
  return started;
};

/** The mysql client through a listener, with no password anywhere. */
function mysqlCli(port: number, sql: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      'mysql',
      [
        '-h',
        '127.0.0.1',
        '-P',
        String(port),
        '-u',
        'nobody',
        '-D',
        mariadb.database,
        '--batch',
        '-N',
        '-e',
        sql,
      ],
      { env: { ...process.env, MYSQL_PWD: '' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end();
  });
}

/** connector.yaml: the network plugin finds the cluster, and logs in as its SCRAM role with `password`. */
function writeConfig(password: string) {
  writeFileSync(
    configFile,
    [
      'discovery:',
      '  network:',
      '    interval_seconds: 2',
      '    timeout_ms: 1000',
      `    targets: [{ target: 127.0.0.1/32, ports: [${cluster.port}, ${mariadb.port}] }]`,
      '    upstream:',
      '      postgres:',
      '        authentication_type: username_and_password',
      `        username: ${cluster.roles.scram}`,
      `        password: "${password}"`,
      '        database: shop',
      '      mysql:',
      '        authentication_type: username_and_password',
      `        username: ${mariadb.user}`,
      `        password: "${$}{from:env:${MYSQL_VARIABLE}}"`,
      '',
    ].join('\n'),
  );
}

/** The references the control plane lets the connector answer for on the discovered socket. */
async function referencesOf(socket: string): Promise<string[] | undefined> {
  const config = await createClient({ baseUrl: api.url, token: connectorToken }).get(
    '/api/v1/connector/config',
  );
  expect(JSON.stringify(config)).not.toContain(CLUSTER_PASSWORDS.scram);
  return config.sockets.find((s) => s.name === socket)?.secret_references;
}

const socketOrNull = (name: string) =>
  admin.get('/api/v1/sockets/{socket}', { params: { path: { socket: name } } }).catch(() => null);

beforeAll(async () => {
  expect(process.env[VARIABLE], `${VARIABLE} must not be set for this test`).toBeUndefined();
  mariadb = await createMariaDbDatabase();
  cluster = await startPostgresCluster();
  cluster.sql('create database shop');
  cluster.sql(
    'create table items (id int primary key, name text); insert into items values (1, $$apple$$)',
    'shop',
  );
  const dataDir = tempDir('discovery-ref');
  env = { BORDER0_CONFIG_DIR: tempDir('discovery-ref-config') };
  api = await startPlatform(['--data-dir', dataDir, '--no-proxy'], env);
  env.BORDER0_API_URL = api.url;
  admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
  });
  proxyPort = await freePort();
  const proxyToken = readFileSync(join(dataDir, 'proxy-token'), 'utf8').trim();
  await startDaemon(
    children,
    process.execPath,
    [BIN, 'proxy', 'start', '--token', proxyToken, '--port', String(proxyPort), '--name', 'p1'],
    env,
    /proxy p1 listening/,
  );
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  connectorToken = (
    await admin.post('/api/v1/connectors/{connector}/tokens', {
      params: { path: { connector: connector.id } },
      body: { name: 'lab' },
    })
  ).token as string;
  await admin.post('/api/v1/policies', {
    body: {
      name: 'discovered-databases',
      org_wide: true,
      document: {
        permissions: {
          database: {
            allowed_databases: [
              { database: 'shop', allowed_query_types: ['all'] },
              { database: mariadb.database, allowed_query_types: ['all'] },
            ],
          },
        },
        condition: { who: { email: ['admin@localhost'] } },
      } as never,
    },
  });
  discovered = `postgres-127-0-0-1-${cluster.port}`;
  configFile = join(tempDir('discovery-ref-yaml'), 'connector.yaml');
  writeConfig(REFERENCE);
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await api?.stop();
  cluster?.stop();
  await mariadb?.drop();
});

describe('a discovered socket whose password is a reference the connector resolves', () => {
  it('logs psql in with the password only the connector holds, follows a changed reference, and says why an unset one fails', async () => {
    const first = await startConnector({ [VARIABLE]: CLUSTER_PASSWORDS.scram });
    const socket = await eventually(
      () => socketOrNull(discovered),
      (s) => s !== null,
      15_000,
    );
    expect(socket).toMatchObject({
      socket_type: 'database',
      tags: { 'border0.discovery': 'network', 'border0.discovery.service': 'postgres' },
      upstream_configuration: {
        protocol: 'postgres',
        port: cluster.port,
        authentication_type: 'username_and_password',
        username: cluster.roles.scram,
        password_set: true,
      },
    });
    // Neither the password nor the reference is handed out to admins; only the connector learns the reference.
    expect(socket!.upstream_configuration).not.toHaveProperty('password');
    expect(JSON.stringify(socket)).not.toContain(CLUSTER_PASSWORDS.scram);
    expect(await referencesOf(discovered)).toEqual([REFERENCE]);

    const port = await listener(discovered);
    const ran = await eventually(
      () => psql(port, 'select current_user, name from items'),
      (r) => r.code === 0,
      20_000,
    );
    expect(ran.stderr).toBe('');
    expect(ran.stdout.trim()).toBe(`${cluster.roles.scram}|apple`);

    // Another reference in connector.yaml reaches the socket, so the connector may answer for it.
    const passwordFile = join(tempDir('discovery-ref-secret'), 'password');
    writeFileSync(passwordFile, `${CLUSTER_PASSWORDS.scram}\n`);
    const fileReference = `${$}{from:file:${passwordFile}}`;
    writeConfig(fileReference);
    await eventually(
      () => referencesOf(discovered),
      (references) => references?.[0] === fileReference,
      15_000,
    );
    // The connector learns the new reference with its next configuration fetch, moments later.
    const again = await eventually(
      () => psql(port, 'select current_user'),
      (r) => r.code === 0,
      15_000,
    );
    expect(again.stderr).toBe('');
    expect(again.stdout.trim()).toBe(cluster.roles.scram);

    // Back to the variable, on a connector whose host lacks it: the login fails saying why, and the
    // reference is never sent upstream as if it were the password.
    await stopChild(first.child);
    writeConfig(REFERENCE);
    await startConnector({});
    const refused = await eventually(
      () => psql(port, 'select 1'),
      (r) => /not set on the connector/.test(r.stderr),
      20_000,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      new RegExp(
        `FATAL: {2}border0: .*password: .*environment variable ${VARIABLE} is not set on the connector`,
      ),
    );
  }, 90_000);

  it('logs the mysql client into MariaDB with a password only the connector holds', async () => {
    if (!connectorRunning) await startConnector({});
    const socket = `mysql-127-0-0-1-${mariadb.port}`;
    await eventually(
      () => referencesOf(socket),
      (references) => references !== undefined,
      15_000,
    );
    expect(await referencesOf(socket)).toEqual([`${$}{from:env:${MYSQL_VARIABLE}}`]);
    const port = await listener(socket);
    const ran = await eventually(
      () => mysqlCli(port, 'select current_user()'),
      (r) => r.code === 0,
      20_000,
    );
    expect(ran.stderr).toBe('');
    expect(ran.stdout.trim()).toBe(`${mariadb.user}@127.0.0.1`);
  }, 60_000);
});
