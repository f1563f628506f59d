/**
 * MySQL/MariaDB sockets end to end, every part its own process (API, proxy, connector, `border0 client db`),
 * in front of the real MariaDB server with a user that has a password: the mysql CLI and mysql2 run without
 * knowing it; a read-only policy refuses writes statement by statement (1142) while the session goes on; a
 * database outside the policy is refused at connect and at USE; the query log lists every statement; a
 * termination ends the session and kills its running statement.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import {
  BIN,
  border0,
  createMariaDbDatabase,
  eventually,
  freePort,
  type Platform,
  runPythonDbApi,
  daemon as startDaemon,
  startPlatform,
  type ThrowawayDatabase,
  tempDir,
} from '@border0/testing';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const children: ChildProcess[] = [];
const daemon = (command: string, args: string[], env: Record<string, string>, ready: RegExp) =>
  startDaemon(children, command, args, env, ready);

let db: ThrowawayDatabase;
let other: ThrowawayDatabase;
let api: Platform;
let env: Record<string, string>;
let proxyPort: number;
let admin: ReturnType<typeof createClient>;
let connectorId: string;
let direct: mysql.Connection;

/** The mysql CLI through a listener, with no password anywhere. */
function mysqlCli(port: number, args: string[], input?: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      'mysql',
      ['-h', '127.0.0.1', '-P', String(port), '-u', 'nobody', '--batch', ...args],
      {
        env: { ...process.env, MYSQL_PWD: '' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

const connectTo = (port: number, database = db.database) =>
  mysql.createConnection({ host: '127.0.0.1', port, user: 'nobody', database, multipleStatements: true });

async function dbSocket(name: string, password = db.password) {
  await admin.post('/api/v1/sockets', {
    body: {
      name,
      socket_type: 'database',
      connector_ids: [connectorId],
      recording_enabled: true,
      upstream_configuration: {
        type: 'database',
        protocol: 'mysql',
        hostname: '127.0.0.1',
        port: db.port,
        authentication_type: 'username_and_password',
        username: db.user,
        password,
        database: db.database,
      },
    },
  });
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

async function policy(name: string, sockets: string[], types: string[]) {
  const created = await admin.post('/api/v1/policies', {
    body: {
      name,
      document: {
        permissions: {
          database: { allowed_databases: [{ database: db.database, allowed_query_types: types }] as never },
        },
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
  db = await createMariaDbDatabase();
  other = await createMariaDbDatabase();
  direct = await mysql.createConnection(db.url);
  await direct.query('create table items (id int primary key, name text)');
  await direct.query("insert into items values (1, 'apple'), (2, 'pear')");
  const dataDir = tempDir('mysock');
  env = { BORDER0_CONFIG_DIR: tempDir('mysock-config') };
  api = await startPlatform(['--data-dir', dataDir, '--no-proxy'], env);
  env.BORDER0_API_URL = api.url;
  proxyPort = await freePort();
  const proxyToken = readFileSync(join(dataDir, 'proxy-token'), 'utf8').trim();
  await daemon(
    process.execPath,
    [BIN, 'proxy', 'start', '--token', proxyToken, '--port', String(proxyPort), '--name', 'p1'],
    env,
    /proxy p1 listening/,
  );
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
  await dbSocket('my');
  // The read-only socket's password lives on the connector's host only, as a reference it resolves (built
  // from a `$` so that no linter takes it for a template).
  await dbSocket('my-ro', `${'$'}{from:env:MY_PASSWORD}`);
  await policy('my-all', ['my'], ['all']);
  await policy('my-read', ['my-ro'], ['read_only']);
  await daemon(
    process.execPath,
    [BIN, 'connector', 'start', '--token', token],
    { ...env, MY_PASSWORD: db.password },
    /connector lab serves/,
  );
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await direct?.end();
  await api?.stop();
  await db?.drop();
  await other?.drop();
});

describe('a MySQL socket', () => {
  let port: number;
  let readOnly: number;
  // Started once for every test, so that each test also runs alone (the mutation matrix runs them so).
  beforeAll(async () => {
    port = await listener('my');
    readOnly = await listener('my-ro');
  }, 60_000);

  it('logs the mysql CLI in with the socket’s password, which nobody typed', async () => {
    const result = await eventually(
      () => mysqlCli(port, ['-N', '-e', 'select current_user(), count(*) from items', db.database]),
      (r) => r.code === 0,
      15_000,
    );
    expect(result.stdout.trim(), result.stderr).toBe(`${db.user}@127.0.0.1\t2`);
    const transaction = await mysqlCli(
      port,
      ['-N', db.database],
      "begin;\ninsert into items values (3, 'plum');\nselect count(*) from items;\nrollback;\nselect count(*) from items;\n",
    );
    expect(transaction.stdout.trim().split('\n'), transaction.stderr).toEqual(['3', '2']);
  }, 60_000);

  it('runs a transaction, prepared statements and a multi-statement query (mysql2)', async () => {
    const client = await connectTo(port);
    try {
      await client.beginTransaction();
      await client.execute('insert into items values (?, ?)', [3, 'plum']);
      const [named] = await client.execute('select name from items where id = ?', [3]);
      expect(named).toEqual([{ name: 'plum' }]);
      await client.rollback();
      const [[count]] = (await client.query('select count(*) as n from items')) as never as [[{ n: number }]];
      expect(Number(count.n)).toBe(2);
      const [results] = await client.query('select 1 as a; select name from items order by id');
      expect(results).toEqual([[{ a: 1 }], [{ name: 'apple' }, { name: 'pear' }]]);
      const [many] = (await client.query('select seq from seq_1_to_50000')) as never as [unknown[]];
      expect(many).toHaveLength(50000);
    } finally {
      await client.end();
    }
  }, 30_000);

  it('serves PyMySQL (Debian’s) unchanged: a parameterised query and a rolled-back write, no password given', () => {
    expect(
      runPythonDbApi(
        'pymysql',
        `pymysql.connect(host="127.0.0.1", port=${port}, user="nobody", database="${db.database}")`,
      ),
    ).toEqual(['pear', '2', '']);
  }, 30_000);

  it('under read_only: reads pass, writes are refused with 1142 and the session goes on', async () => {
    const client = await eventually(
      () => connectTo(readOnly).catch(() => undefined),
      (c) => c !== undefined,
      15_000,
    );
    try {
      const refused = [
        "insert into items values (9, 'x')",
        'select name from items where id = 1 for update',
        'select 1; delete from items',
        '/*! delete from items */',
        'this is not sql',
        'create table t2 (a int)',
        'set session transaction read write',
      ];
      for (const sql of refused) {
        await expect(client!.query(sql), sql).rejects.toMatchObject({
          errno: expect.any(Number),
          message: expect.stringMatching(/^border0: /),
        });
      }
      await expect(client!.query('delete from items')).rejects.toMatchObject({
        errno: 1142,
        sqlState: '42000',
      });
      await expect(client!.query('grant select on *.* to nobody')).rejects.toMatchObject({ errno: 1227 });
      await expect(client!.execute('update items set name = ?', ['x'])).rejects.toMatchObject({
        errno: 1142,
      });
      const [rows] = await client!.execute('select name from items where id = ?', [2]);
      expect(rows).toEqual([{ name: 'pear' }]);
      // The upstream session itself is read-only: writes hidden in stored functions fail there too.
      const [guard] = await client!.query('select @@session.tx_read_only as ro');
      expect(guard).toEqual([{ ro: 1 }]);
      await client!.beginTransaction();
      await expect(client!.query("insert into items values (8, 'fig')")).rejects.toMatchObject({
        errno: 1142,
      });
      // MySQL errors do not abort a transaction: the session and its transaction go on.
      const [[still]] = (await client!.query('select count(*) as n from items')) as never as [
        [{ n: number }],
      ];
      expect(Number(still.n)).toBe(2);
      await client!.rollback();
      await expect(client!.changeUser({ user: 'root' })).rejects.toMatchObject({ errno: 1227 });
    } finally {
      client?.destroy();
    }
    const [[count]] = (await direct.query('select count(*) as n from items')) as never as [[{ n: number }]];
    expect(Number(count.n)).toBe(2);
  }, 60_000);

  it('lets a session kill its own running statement (the CLI’s Ctrl-C), and no one else’s, under read_only', async () => {
    const sleeper = await connectTo(readOnly);
    const killer = await connectTo(readOnly);
    try {
      const sleeping = sleeper.query('select sleep(30)').catch((error: { errno?: number }) => error);
      await eventually(
        () =>
          direct
            .query("select count(*) as n from information_schema.processlist where info = 'select sleep(30)'")
            .then(([rows]) => Number((rows as { n: number }[])[0]!.n)),
        (n) => n === 1,
        10_000,
      );
      await expect(killer.query(`kill query ${direct.threadId}`)).rejects.toMatchObject({ errno: 1227 });
      await killer.query(`kill query ${sleeper.threadId}`);
      expect(await sleeping).toMatchObject({ errno: 1317 });
      const [rows] = await sleeper.query('select 1 as n');
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      sleeper.destroy();
      killer.destroy();
    }
  }, 30_000);

  it('cancels the mysql CLI’s running statement on Ctrl-C (its KILL QUERY on a second connection)', async () => {
    const child = spawn(
      'mysql',
      ['-h', '127.0.0.1', '-P', String(readOnly), '-u', 'nobody', '-e', 'select sleep(30)', db.database],
      {
        env: { ...process.env, MYSQL_PWD: '' },
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    await eventually(
      () =>
        direct
          .query("select count(*) as n from information_schema.processlist where info = 'select sleep(30)'")
          .then(([rows]) => Number((rows as { n: number }[])[0]!.n)),
      (n) => n === 1,
      10_000,
    );
    const started = Date.now();
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(stderr).toMatch(/Query execution was interrupted/);
    // Killed upstream, not only abandoned by the client.
    await eventually(
      () =>
        direct
          .query("select count(*) as n from information_schema.processlist where info = 'select sleep(30)'")
          .then(([rows]) => Number((rows as { n: number }[])[0]!.n)),
      (n) => n === 0,
      3000,
    );
  }, 30_000);

  it('refuses LOAD DATA LOCAL INFILE under read_only, and the CLI goes on', async () => {
    const file = join(tempDir('mysock-infile'), 'items.tsv');
    writeFileSync(file, '5\tkiwi\n');
    const script = [`load data local infile '${file}' into table items;`, 'select count(*) from items;'].join(
      '\n',
    );
    const result = await mysqlCli(readOnly, ['-N', '--force', '--local-infile=1', db.database], script);
    expect(result.stderr).toMatch(/ERROR 1148 \(42000\).*border0: /);
    expect(result.stdout.trim()).toBe('2');
    const loaded = await mysqlCli(
      port,
      ['-N', '--local-infile=1', db.database],
      `${script}\ndelete from items where id = 5;`,
    );
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout.trim()).toBe('3');
  }, 30_000);

  it('refuses a database outside the policy, at connect and at USE', async () => {
    await expect(connectTo(port, other.database)).rejects.toMatchObject({ errno: 1044 });
    const switched = await mysqlCli(
      port,
      ['-N', '--force', db.database],
      `use ${other.database};\nselect database();\n`,
    );
    expect(switched.stderr).toMatch(/ERROR 1044 \(42000\).*border0: /);
    expect(switched.stdout.trim()).toBe(db.database);
    const client = await connectTo(port);
    try {
      await expect(client.query(`use ${other.database}`)).rejects.toMatchObject({ errno: 1044 });
      await expect(client.query(`select * from ${other.database}.t`)).rejects.toMatchObject({ errno: 1142 });
    } finally {
      await client.end();
    }
  }, 30_000);

  it('keeps a query log of every statement, in order, with rows and parameters', async () => {
    await mysqlCli(port, ['-N', '-e', 'select id from items order by id', db.database]);
    const lines: Record<string, unknown>[] = [];
    await eventually(
      async () => {
        lines.length = 0;
        const sessions = await admin.get('/api/v1/sessions', { params: { query: { limit: 100 } as never } });
        for (const session of sessions.items.filter((s) => s.ended_at !== null)) {
          const recordings = await admin.get('/api/v1/sessions/{session_id}/recordings', {
            params: { path: { session_id: session.id } },
          });
          for (const recording of recordings.items) {
            const { data } = await admin.raw.GET('/api/v1/sessions/{session_id}/recordings/{recording_id}', {
              params: { path: { session_id: session.id, recording_id: recording.id } },
              parseAs: 'text',
            });
            lines.push(
              ...(data as string)
                .trim()
                .split('\n')
                .map((line) => JSON.parse(line) as Record<string, unknown>),
            );
          }
        }
        return lines.some((line) => line.statement === 'select id from items order by id');
      },
      (found) => found,
      15_000,
    );
    expect(lines).toContainEqual(expect.objectContaining({ protocol: 'mysql', database: db.database }));
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: 'query',
        statement: 'select id from items order by id',
        rows: 2,
        db: db.database,
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: 'execute',
        statement: 'select name from items where id = ?',
        params: ['3'],
        rows: 1,
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ kind: 'prepare', statement: 'insert into items values (?, ?)' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: 'query',
        statement: "insert into items values (9, 'x')",
        refused: expect.any(String),
      }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ kind: 'init_db', refused: expect.any(String) }));
    const [one, two] = ['select 1 as a', 'select name from items order by id'].map((statement) =>
      lines.find((line) => line.statement === statement),
    );
    expect(one).toMatchObject({ rows: 1 });
    expect(two).toMatchObject({ rows: 2 });
    expect(lines.filter((line) => typeof line.duration_ms === 'number').length).toBeGreaterThan(5);
  }, 30_000);

  it('ends the session on terminate, killing its running statement', async () => {
    const client = await connectTo(port);
    client.on('error', () => {});
    const failure = client.query('select sleep(30)').catch((error: Error) => error);
    const sleeping = () =>
      direct
        .query("select count(*) as n from information_schema.processlist where info = 'select sleep(30)'")
        .then(([rows]) => Number((rows as { n: number }[])[0]!.n));
    await eventually(sleeping, (n) => n === 1, 10_000);
    const live = await admin.get('/api/v1/sessions', {
      params: { query: { socket: 'my', live: true } as never },
    });
    for (const session of live.items) await border0(['session', 'terminate', session.id], env);
    const error = await failure;
    expect(String((error as Error).message)).toMatch(/border0: session ended|interrupted|closed/);
    await eventually(sleeping, (n) => n === 0, 5000);
  }, 60_000);

  it('closes a client that sends garbage, and other sessions go on', async () => {
    const client = await connectTo(port);
    try {
      for (const garbage of [
        Buffer.from([0xff, 0xff, 0xff, 0x01, 0x00]),
        Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      ]) {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => {});
        socket.once('data', () => socket.write(garbage));
        await new Promise((resolve) => socket.once('close', resolve));
      }
      const [rows] = await client.query('select 42 as n');
      expect(rows).toEqual([{ n: 42 }]);
    } finally {
      await client.end();
    }
  }, 30_000);
});
