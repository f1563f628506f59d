/**
 * PostgreSQL sockets end to end, every part its own process (API, proxy, connector, `border0 client db`), in
 * front of a PostgreSQL server of its own that asks for passwords (SCRAM-SHA-256, md5, cleartext): psql and
 * node-postgres run without knowing any password; a read-only policy refuses writes statement by statement
 * while the session goes on; the query log lists every statement; Ctrl-C cancels a running statement; a
 * termination ends the session and the statement it was running.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import {
  BIN,
  border0,
  CLUSTER_PASSWORDS,
  eventually,
  freePort,
  type Platform,
  type PostgresCluster,
  runPythonDbApi,
  daemon as startDaemon,
  startPlatform,
  startPostgresCluster,
  tempDir,
} from '@border0/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const children: ChildProcess[] = [];
/** A CA that signed nothing the upstream presents. */
const OTHER_CA = execFileSync('openssl', [
  'req',
  '-x509',
  '-newkey',
  'ec',
  '-pkeyopt',
  'ec_paramgen_curve:P-256',
  '-nodes',
  '-days',
  '1',
  '-subj',
  '/CN=unrelated CA',
  '-keyout',
  '/dev/null',
]).toString();
const daemon = (command: string, args: string[], env: Record<string, string>, ready: RegExp) =>
  startDaemon(children, command, args, env, ready);

let cluster: PostgresCluster;
let api: Platform;
let env: Record<string, string>;
let proxyPort: number;
let admin: ReturnType<typeof createClient>;
let connectorId: string;
let proxyPid: number;

/** psql through a listener, with no password anywhere (PGPASSWORD unset, never prompted). */
/** psql's arguments to reach a listener as anyone, with no password anywhere (never prompted). */
const psqlArgs = (port: number, args: string[], database = 'shop') => [
  ...['-h', '127.0.0.1', '-p', String(port), '-U', 'nobody', '-d', database, '-w', '-X'],
  ...args,
];
const PSQL_ENV = { ...process.env, PGPASSWORD: '', PGCONNECT_TIMEOUT: '10' };

/** psql started through a listener. */
function spawnPsql(port: number, args: string[], database = 'shop') {
  return spawn('psql', psqlArgs(port, args, database), { env: PSQL_ENV });
}

/** psql run to its end through a listener. */
function psql(port: number, args: string[], database = 'shop') {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawnPsql(port, args, database);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function dbSocket(
  name: string,
  role: keyof PostgresCluster['roles'],
  password: string | undefined,
  tls?: { enabled: boolean; verify: 'full' | 'ca' | 'none'; ca_certificate?: string; hostname?: string },
) {
  await admin.post('/api/v1/sockets', {
    body: {
      name,
      socket_type: 'database',
      connector_ids: [connectorId],
      recording_enabled: true,
      upstream_configuration: {
        type: 'database',
        protocol: 'postgres',
        hostname: tls?.hostname ?? '127.0.0.1',
        port: cluster.port,
        authentication_type: 'username_and_password',
        username: cluster.roles[role],
        ...(password !== undefined && { password }),
        database: 'shop',
        ...(tls && {
          tls: {
            enabled: tls.enabled,
            verify: tls.verify,
            ...(tls.ca_certificate && { ca_certificate: tls.ca_certificate }),
          },
        }),
      },
    },
  });
}

/** A node-postgres client through a listener, once the listener's socket is served. */
async function connected(port: number): Promise<pg.Client> {
  return eventually(
    async () => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'nobody', database: 'shop' });
      return client.connect().then(
        () => client,
        () => undefined,
      );
    },
    (client) => client !== undefined,
    15_000,
  ) as Promise<pg.Client>;
}

async function listener(socket: string): Promise<number> {
  const port = await freePort();
  await daemon(
    process.execPath,
    [BIN, 'client', 'db', socket, '--listen', `127.0.0.1:${port}`, '--proxy', `127.0.0.1:${proxyPort}`],
    env,
    /is at 127\.0\.0\.1/,
  );
  return port;
}

async function policy(
  name: string,
  sockets: string[],
  databases: { database: string; allowed_query_types: string[] }[],
) {
  const created = await admin.post('/api/v1/policies', {
    body: {
      name,
      document: {
        permissions: { database: { allowed_databases: databases as never } },
        condition: { who: { email: ['admin@localhost'] } },
      },
    },
  });
  for (const socket of sockets) {
    await admin.post('/api/v1/policies/{policy}/sockets', {
      params: { path: { policy: created.id } },
      body: { socket } as never,
    });
  }
}

beforeAll(async () => {
  cluster = await startPostgresCluster();
  cluster.sql('create database shop');
  cluster.sql('create database other');
  cluster.sql(
    'create table items (id int primary key, name text); insert into items values (1, $$apple$$), (2, $$pear$$)',
    'shop',
  );
  const dataDir = tempDir('pgsock');
  env = { BORDER0_CONFIG_DIR: tempDir('pgsock-config') };
  api = await startPlatform(['--data-dir', dataDir, '--no-proxy'], env);
  env.BORDER0_API_URL = api.url;
  proxyPort = await freePort();
  const proxyToken = readFileSync(join(dataDir, 'proxy-token'), 'utf8').trim();
  proxyPid = (
    await daemon(
      process.execPath,
      [BIN, 'proxy', 'start', '--token', proxyToken, '--port', String(proxyPort), '--name', 'p1'],
      env,
      /proxy p1 listening/,
    )
  ).child.pid!;
  admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
  });
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  connectorId = connector.id;
  const { token } = await admin.post('/api/v1/connectors/{connector}/tokens', {
    params: { path: { connector: connector.id } },
    body: { name: 'lab' },
  });
  await dbSocket('pg', 'scram', CLUSTER_PASSWORDS.scram);
  await dbSocket('pg-md5', 'md5', CLUSTER_PASSWORDS.md5);
  await dbSocket('pg-clear', 'password', CLUSTER_PASSWORDS.password);
  await dbSocket('pg-ro', 'scram', CLUSTER_PASSWORDS.scram);
  await dbSocket('pg-rw', 'scram', CLUSTER_PASSWORDS.scram);
  // Secrets only the connector's host holds (built from a `$` so that no linter takes them for templates).
  const $ = '$';
  const passwordFile = join(tempDir('pgsock-secret'), 'password');
  writeFileSync(passwordFile, `${CLUSTER_PASSWORDS.scram}\n`);
  await dbSocket('pg-ref', 'scram', `${$}{from:env:PG_PASSWORD}`);
  await dbSocket('pg-ref-file', 'scram', `${$}{from:file:${passwordFile}}`);
  await dbSocket('pg-ref-unset', 'scram', `${$}{from:env:BORDER0_E2E_UNSET}`);
  const ca = cluster.caCertificate;
  // No password at all: the upstream knows the proxy by a client certificate of its CA (pg_hba `cert`),
  // configured the way an admin does it, with the CLI and files.
  const pki = tempDir('pgsock-pki');
  const files = { ca: join(pki, 'ca.pem'), cert: join(pki, 'client.pem'), key: join(pki, 'client.key') };
  writeFileSync(files.ca, ca);
  writeFileSync(files.cert, cluster.clientCertificate.certificate);
  writeFileSync(files.key, cluster.clientCertificate.key);
  const created = await border0(
    [
      ...['socket', 'create', '--name', 'pg-cert', '--type', 'database', '--connector', connectorId],
      ...['--upstream', `postgres://${cluster.roles.cert}@127.0.0.1:${cluster.port}/shop`, '--tls', 'full'],
      ...['--ca-file', files.ca, '--client-certificate-file', files.cert, '--private-key-file', files.key],
    ],
    { ...env, BORDER0_TOKEN: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim() },
  );
  expect(created.code, created.stderr).toBe(0);
  await dbSocket('pg-tls-full', 'scram', CLUSTER_PASSWORDS.scram, {
    enabled: true,
    verify: 'full',
    ca_certificate: ca,
  });
  await dbSocket('pg-tls-name', 'scram', CLUSTER_PASSWORDS.scram, {
    enabled: true,
    verify: 'full',
    ca_certificate: ca,
    hostname: 'localhost',
  });
  await dbSocket('pg-tls-other-ca', 'scram', CLUSTER_PASSWORDS.scram, {
    enabled: true,
    verify: 'full',
    ca_certificate: OTHER_CA,
  });
  await dbSocket('pg-tls-none', 'scram', CLUSTER_PASSWORDS.scram, {
    enabled: true,
    verify: 'none',
    ca_certificate: OTHER_CA,
  });
  await policy(
    'pg-all',
    [
      'pg',
      'pg-md5',
      'pg-clear',
      'pg-ref',
      'pg-ref-file',
      'pg-ref-unset',
      'pg-tls-full',
      'pg-tls-name',
      'pg-tls-other-ca',
      'pg-tls-none',
      'pg-cert',
    ],
    [{ database: 'shop', allowed_query_types: ['all'] }],
  );
  await policy('pg-read', ['pg-ro'], [{ database: 'shop', allowed_query_types: ['read_only'] }]);
  await policy(
    'pg-read-write',
    ['pg-rw'],
    [{ database: 'shop', allowed_query_types: ['read_only', 'read_write'] }],
  );
  await daemon(
    process.execPath,
    [BIN, 'connector', 'start', '--token', token],
    { ...env, PG_PASSWORD: CLUSTER_PASSWORDS.scram },
    /connector lab serves/,
  );
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await api?.stop();
  cluster?.stop();
});

describe('a PostgreSQL socket', () => {
  let port: number;
  beforeAll(async () => {
    port = await listener('pg');
  }, 30_000);

  it('logs psql in with SCRAM-SHA-256, md5 and a cleartext password nobody typed', async () => {
    for (const socket of ['pg', 'pg-md5', 'pg-clear']) {
      const local = socket === 'pg' ? port : await listener(socket);
      const result = await eventually(
        () => psql(local, ['-Atc', 'select current_user, count(*) from items']),
        (r) => r.code === 0,
        15_000,
      );
      expect(result.stdout.trim(), result.stderr).toMatch(/^(scram_user|md5_user|clear_user)\|2$/);
    }
  }, 60_000);

  it('border0 client db --exec psql starts psql already connected, and exits with its code', async () => {
    const proxy = ['--proxy', `127.0.0.1:${proxyPort}`];
    const ran = await border0(
      ['client', 'db', 'pg', '--exec', 'psql', ...proxy, '--', '-Atc', 'select 40 + 2'],
      env,
    );
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout.trim()).toBe('42');
    const failed = await border0(
      ['client', 'db', 'pg', '--exec', 'psql', ...proxy, '--', '-Atc', 'select nothing'],
      env,
    );
    expect(failed.code).not.toBe(0);
    const wrong = await border0(['client', 'db', 'pg', '--exec', 'mysql', ...proxy], env);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/mysql does not speak postgres/);
  }, 60_000);

  it('reaches the upstream over TLS, verified against the socket’s CA (full), or only encrypted (none)', async () => {
    const encrypted = 'select ssl from pg_stat_ssl where pid = pg_backend_pid()';
    for (const socket of ['pg-tls-full', 'pg-tls-name', 'pg-tls-none']) {
      const local = await listener(socket);
      const result = await eventually(
        () => psql(local, ['-Atc', encrypted]),
        (r) => r.code === 0,
        15_000,
      );
      expect(result.stdout.trim(), `${socket}: ${result.stderr}`).toBe('t');
    }
    const refused = await psql(await listener('pg-tls-other-ca'), ['-Atc', 'select 1']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/FATAL: {2}border0: .*TLS to the upstream failed/);
    // The client certificate logs in a role that has no password (its pg_hba line: hostssl … cert).
    const byCertificate = await psql(await listener('pg-cert'), [
      '-Atc',
      'select current_user, client_dn from pg_stat_ssl join pg_stat_activity using (pid) where pid = pg_backend_pid()',
    ]);
    expect(byCertificate.stderr).toBe('');
    expect(byCertificate.stdout.trim()).toBe(`${cluster.roles.cert}|/CN=${cluster.roles.cert}`);
  }, 60_000);

  it('runs a transaction, COPY both ways and prepared statements (node-postgres, extended protocol)', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'nobody', database: 'shop' });
    await client.connect();
    try {
      await client.query('begin');
      await client.query('insert into items values ($1, $2)', [3, 'plum']);
      const named = await client.query({
        name: 'by-id',
        text: 'select name from items where id = $1',
        values: [3],
      });
      expect(named.rows).toEqual([{ name: 'plum' }]);
      const again = await client.query({
        name: 'by-id',
        text: 'select name from items where id = $1',
        values: [1],
      });
      expect(again.rows).toEqual([{ name: 'apple' }]);
      await client.query('rollback');
      const count = await client.query('select count(*)::int as n from items');
      expect(count.rows).toEqual([{ n: 2 }]);
      const many = await client.query('select g from generate_series(1, 50000) g');
      expect(many.rowCount).toBe(50000);
    } finally {
      await client.end();
    }
    // psycopg2 (Debian's, over libpq): a parameterised query and a transaction, no password given.
    expect(
      runPythonDbApi(
        'psycopg2',
        `psycopg2.connect(host="127.0.0.1", port=${port}, user="nobody", dbname="shop")`,
      ),
    ).toEqual(['pear', '2', '']);
    // pgbench's own prepared statements.
    const bench = execFileSync(
      'pgbench',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'nobody',
        '-n',
        '-M',
        'prepared',
        '-t',
        '50',
        '-f',
        '-',
        'shop',
      ],
      {
        input: 'select name from items where id = 1;\n',
      },
    ).toString();
    expect(bench).toMatch(/number of transactions actually processed: 50\/50/);
    const copied = await psql(port, ['-c', '\\copy (select id, name from items order by id) to stdout']);
    expect(copied.stdout).toBe('1\tapple\n2\tpear\n');
    execFileSync('psql', psqlArgs(port, ['-v', 'ON_ERROR_STOP=1', '-c', '\\copy items from stdin']), {
      env: PSQL_ENV,
      input: '10\tgrape\n11\tlime\n',
    });
    expect(cluster.sql('select name from items where id >= 10 order by id', 'shop')).toBe('grape\nlime\n');
    cluster.sql('delete from items where id >= 10', 'shop');
  }, 30_000);

  it('under read_only: reads pass, writes are refused with 42501 and the session goes on', async () => {
    const local = await listener('pg-ro');
    const script = [
      'select count(*) from items;',
      'insert into items values (9, $$x$$);',
      'select name from items where id = 1 for update;',
      'with gone as (delete from items returning *) select count(*) from gone;',
      'this is not sql;',
      'create table t2 (a int);',
      'select $$still here$$;',
    ].join('\n');
    const result = await eventually(
      () => psql(local, ['-At', '-v', 'ON_ERROR_STOP=0', '-c', 'select 1']),
      (r) => r.code === 0,
      15_000,
    );
    expect(result.stdout.trim()).toBe('1');
    const session = spawnPsql(local, ['-At', '-v', 'ON_ERROR_STOP=0']);
    let stdout = '';
    let stderr = '';
    session.stdout.on('data', (chunk) => (stdout += chunk));
    session.stderr.on('data', (chunk) => (stderr += chunk));
    session.stdin.end(`${script}\n`);
    await new Promise((resolve) => session.once('exit', resolve));
    expect(stdout.trim().split('\n')).toEqual(['2', 'still here']);
    const refusals = stderr.match(/ERROR: {2}border0: [^\n]*/g) ?? [];
    expect(refusals, stderr).toHaveLength(5);
    expect(stderr).toMatch(/does not allow read write queries on shop/);
    expect(stderr).toMatch(/could not be classified/);
    expect(stderr).toMatch(/does not allow ddl queries on shop/);
    // Nothing was written.
    expect(cluster.sql('select count(*) from items', 'shop').trim()).toBe('2');

    // The extended protocol (a driver's parameterised statements), in and out of a transaction.
    const client = new pg.Client({ host: '127.0.0.1', port: local, user: 'nobody', database: 'shop' });
    await client.connect();
    try {
      const refused = await client
        .query('insert into items values ($1, $2)', [8, 'fig'])
        .catch((error) => error);
      expect(refused).toMatchObject({ code: '42501', message: expect.stringMatching(/^border0: /) });
      expect((await client.query('select name from items where id = $1', [2])).rows).toEqual([
        { name: 'pear' },
      ]);
      await client.query('begin');
      await expect(client.query('update items set name = $1', ['x'])).rejects.toMatchObject({
        code: '42501',
      });
      // Refused like any failed statement: the transaction is aborted, as the server itself says.
      await expect(client.query('select 1')).rejects.toMatchObject({ code: '25P02' });
      await client.query('rollback');
      expect((await client.query('select count(*)::int as n from items')).rows).toEqual([{ n: 2 }]);
    } finally {
      await client.end();
    }
  }, 30_000);

  it('refuses DDL where reading and writing are allowed: the statement never reaches the database', async () => {
    // No read-only transaction guards this session: only the proxy's decision stands between it and the DDL.
    const local = await listener('pg-rw');
    const client = await connected(local);
    try {
      await client.query('insert into items values (5, $$kiwi$$)');
      await expect(client.query('create table sneaky (a int)')).rejects.toMatchObject({ code: '42501' });
      await expect(client.query('drop table items')).rejects.toMatchObject({ code: '42501' });
      await expect(client.query('select 1; create table sneaky2 (a int)')).rejects.toMatchObject({
        code: '42501',
      });
      expect((await client.query('delete from items where id = 5')).rowCount).toBe(1);
    } finally {
      await client.end();
    }
    expect(cluster.sql("select count(*) from pg_tables where tablename like 'sneaky%'", 'shop').trim()).toBe(
      '0',
    );
    expect(cluster.sql('select count(*) from items', 'shop').trim()).toBe('2');
  }, 30_000);

  it('logs in with secrets that only the connector holds, resolved there', async () => {
    for (const socket of ['pg-ref', 'pg-ref-file']) {
      const ran = await psql(await listener(socket), ['-Atc', 'select current_user']);
      expect(ran.stderr).toBe('');
      expect(ran.stdout.trim()).toBe(cluster.roles.scram);
    }
    // A reference the connector cannot resolve is never sent upstream as if it were the password.
    const refused = await psql(await listener('pg-ref-unset'), ['-Atc', 'select 1']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /FATAL: {2}border0: .*password: .*environment variable BORDER0_E2E_UNSET is not set on the connector/,
    );
  }, 30_000);

  it('refuses a database the policy does not name, at startup', async () => {
    const denied = await psql(port, ['-Atc', 'select 1'], 'other');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/FATAL: {2}border0: .*does not allow access to other/);
  }, 30_000);

  it('keeps a query log of every statement, in order, with rows and durations', async () => {
    await psql(port, ['-Atc', 'select id from items order by id']);
    const sessions = await admin.get('/api/v1/sessions', {
      params: { query: { socket: 'pg', limit: 100 } as never },
    });
    const ended = await eventually(
      async () =>
        (
          await admin.get('/api/v1/sessions', { params: { query: { socket: 'pg', limit: 100 } as never } })
        ).items.filter((s) => s.ended_at !== null),
      (items) => items.length >= sessions.items.length,
      10_000,
    );
    const lines: Record<string, unknown>[] = [];
    let ordered: string | undefined;
    for (const session of ended) {
      const recordings = await admin.get('/api/v1/sessions/{session_id}/recordings', {
        params: { path: { session_id: session.id } },
      });
      for (const recording of recordings.items) {
        const { data } = await admin.raw.GET('/api/v1/sessions/{session_id}/recordings/{recording_id}', {
          params: { path: { session_id: session.id, recording_id: recording.id } },
          parseAs: 'text',
        });
        if ((data as string).includes('select id from items order by id')) ordered = session.id;
        lines.push(
          ...(data as string)
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, unknown>),
        );
      }
    }
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: 'query',
        statement: 'select id from items order by id',
        rows: 2,
        db: 'shop',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: 'execute',
        statement: 'select name from items where id = $1',
        params: ['3'],
        rows: 1,
      }),
    );
    const timed = lines.filter((line) => typeof line.duration_ms === 'number');
    expect(timed.length).toBeGreaterThan(5);

    // The CLI shows the statements and replays them as a timeline.
    const shown = await border0(['session', 'show', ordered!], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      /statements:\n\[ *[\d.]+\] shop {2}query {2}select id from items order by id {2}→ 2 rows, [\d.]+ ms/,
    );
    const replayed = await border0(['session', 'replay', ordered!, '--to-end'], env);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toMatch(/shop {2}query {2}select id from items order by id {2}→ 2 rows/);
  }, 30_000);

  it('cancels a running statement on Ctrl-C, and a termination ends the session and its statement', async () => {
    const sleeping = spawnPsql(port, ['-c', 'select pg_sleep(30)']);
    let stderr = '';
    sleeping.stderr.on('data', (chunk) => (stderr += chunk));
    await eventually(
      () => cluster.sql(`select count(*) from pg_stat_activity where query = 'select pg_sleep(30)'`).trim(),
      (n) => n === '1',
      10_000,
    );
    const started = Date.now();
    sleeping.kill('SIGINT');
    await new Promise((resolve) => sleeping.once('exit', resolve));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(stderr).toMatch(/canceling statement due to user request/);

    const client = new pg.Client({ host: '127.0.0.1', port, user: 'nobody', database: 'shop' });
    await client.connect();
    const failure = client.query('select pg_sleep(30)').catch((error: Error & { code?: string }) => error);
    client.on('error', () => {});
    await eventually(
      () => cluster.sql(`select count(*) from pg_stat_activity where query = 'select pg_sleep(30)'`).trim(),
      (n) => n === '1',
      10_000,
    );
    const live = await admin.get('/api/v1/sessions', {
      params: { query: { socket: 'pg', live: true } as never },
    });
    for (const session of live.items) {
      await border0(['session', 'terminate', session.id], env);
    }
    const error = await failure;
    expect(String((error as Error).message)).toMatch(
      /border0: session ended|terminated|Connection terminated/,
    );
    await eventually(
      () => cluster.sql(`select count(*) from pg_stat_activity where query = 'select pg_sleep(30)'`).trim(),
      (n) => n === '0',
      5000,
    );
  }, 60_000);

  it('streams a million-row result without holding it: the proxy’s memory stays bounded', async () => {
    const peak = () =>
      Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${proxyPid}/status`, 'utf8'))?.[1]) * 1024;
    const before = peak();
    const result = await psql(port, [
      '-Atc',
      "select count(*) from (select g, repeat('x', 100) from generate_series(1, 1000000) g) s",
    ]);
    expect(result.stdout.trim()).toBe('1000000');
    // The rows themselves, through the proxy: about 110 MB.
    const rows = spawnPsql(port, [
      '-At',
      '-c',
      "select g, repeat('x', 100) from generate_series(1, 1000000) g",
    ]);
    let bytes = 0;
    rows.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await new Promise((resolve) => rows.once('exit', resolve));
    expect(bytes).toBeGreaterThan(100_000_000);
    expect(peak() - before).toBeLessThan(64 * 1024 * 1024);
  }, 120_000);

  it('closes a client that sends garbage, and other sessions go on', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'nobody', database: 'shop' });
    await client.connect();
    try {
      for (const garbage of [
        Buffer.from([0, 0, 0, 3]),
        Buffer.from([0x7f, 0xff, 0xff, 0xff]),
        Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      ]) {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => {});
        socket.write(garbage);
        await new Promise((resolve) => socket.once('close', resolve));
      }
      expect((await client.query('select 42 as n')).rows).toEqual([{ n: 42 }]);
    } finally {
      await client.end();
    }
  }, 30_000);
});
