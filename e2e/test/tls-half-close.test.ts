/**
 * Half-close through a TLS socket, end to end: API (`border0 start`), proxy and connector each their own
 * process, `border0 client tls` in listener mode and in stdin/stdout mode, and upstreams that half-close.
 * A client that shuts down its sending side still gets the whole answer that follows (5 MB, checked by
 * digest), and an upstream that shuts down its sending side first still gets all the client sends after.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import {
  BIN,
  clientListener,
  eventually,
  freePort,
  type Platform,
  daemon as startDaemon,
  startPlatform,
  tempDir,
} from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ANSWER = randomBytes(5 * 1024 * 1024);
const REQUEST = randomBytes(5 * 1024 * 1024);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const children: ChildProcess[] = [];
const servers: Server[] = [];
let api: Platform;
let env: Record<string, string>;
let proxyPort: number;
let admin: ReturnType<typeof createClient>;

/** Everything a stream gives until its end, without ever ending or destroying the other direction. */
function readToEnd(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/** Resolves with what `socket` was given, in order, once it was all written. */
function writeAll(stream: NodeJS.WritableStream, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(data, () => resolve());
  });
}

/** An upstream on a free port; `handle` gets each connection (half-open: each direction ends on its own). */
async function upstream(handle: (socket: Socket) => void): Promise<number> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {});
    handle(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** Requests received by the "answer after EOF" upstream, by connection, as digests. */
const requests: string[] = [];
/** What the "closes first" upstream received after it shut its own side, by connection, as digests. */
const afterItsEnd: string[] = [];

beforeAll(async () => {
  const work = tempDir('tls-half-close');
  env = { BORDER0_CONFIG_DIR: join(work, 'config') };
  // A loaded machine starts slowly: the deadline is generous.
  api = await startPlatform(['--data-dir', join(work, 'data'), '--no-proxy'], env, 90_000);
  env.BORDER0_API_URL = api.url;
  admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(work, 'data', 'admin-token'), 'utf8').trim(),
  });
  // Reads the request to its end, then answers: the answer exists only after the client's EOF.
  const answering = await upstream((socket) => {
    void readToEnd(socket).then((request) => {
      requests.push(sha256(request));
      socket.end(ANSWER);
    });
  });
  // Says goodbye and shuts its sending side at once, then keeps reading until the client is done.
  const closingFirst = await upstream((socket) => {
    socket.end('bye\n');
    void readToEnd(socket).then((received) => {
      afterItsEnd.push(sha256(received));
      socket.destroy();
    });
  });

  proxyPort = await freePort();
  const proxyToken = readFileSync(join(work, 'data', 'proxy-token'), 'utf8').trim();
  await startDaemon(
    children,
    process.execPath,
    [BIN, 'proxy', 'start', '--token', proxyToken, '--port', String(proxyPort), '--name', 'p1'],
    env,
    /proxy p1 listening/,
  );
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  const token = await admin.post('/api/v1/connectors/{connector}/tokens', {
    params: { path: { connector: connector.id } },
    body: { name: 'lab' },
  });
  for (const [name, port] of [
    ['answers', answering],
    ['closes', closingFirst],
  ] as const) {
    await admin.post('/api/v1/sockets', {
      body: {
        name,
        socket_type: 'tls',
        connector_ids: [connector.id],
        upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port },
      },
    });
  }
  await admin.post('/api/v1/policies', {
    body: {
      name: 'tls-for-admin',
      org_wide: true,
      document: { permissions: { tls: {} }, condition: { who: { email: ['admin@localhost'] } } },
    },
  });
  await startDaemon(
    children,
    process.execPath,
    [BIN, 'connector', 'start', '--token', token.token],
    env,
    /connector lab serves/,
  );
}, 180_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const server of servers) server.close();
  await api?.stop();
});

/** `border0 client tls <socket>` on standard input and output. */
function stdioClient(socket: string) {
  const child = spawn(process.execPath, [BIN, 'client', 'tls', socket, '--proxy', `127.0.0.1:${proxyPort}`], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, stderr: () => stderr };
}

/** A connection to a local listener, half-open like `nc -N` or a shell pipe. */
function localConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** The session just carried on `socket` once it has ended, as the control plane reports it. */
async function endedSession(socket: string, before: Set<string>) {
  const sessions = await eventually(
    async () => (await admin.get('/api/v1/sessions', { params: { query: { socket } } })).items,
    (items) => items.some((s) => !before.has(s.id) && s.ended_at !== null),
    10_000,
  );
  return sessions.find((s) => !before.has(s.id))!;
}

const sessionIds = async (socket: string) =>
  new Set((await admin.get('/api/v1/sessions', { params: { query: { socket } } })).items.map((s) => s.id));

describe('half-close through a TLS socket', () => {
  let answersPort: number;
  let closesPort: number;

  it('listener mode: the client shuts its sending side, then gets a 5 MB answer whole', async () => {
    answersPort = await clientListener(children, env, 'answers', proxyPort);
    const before = await sessionIds('answers');
    const socket = await localConnection(answersPort);
    const answer = readToEnd(socket);
    await writeAll(socket, Buffer.from('GET everything\n'));
    expect(sha256(await answer)).toBe(sha256(ANSWER));
    expect(requests.at(-1)).toBe(sha256(Buffer.from('GET everything\n')));
    // Reported once both directions were done, with the bytes each way.
    const session = await endedSession('answers', before);
    expect(session).toMatchObject({ result: 'allowed', bytes_in: 15 });
    expect(session.bytes_out).toBeGreaterThanOrEqual(ANSWER.length);
  }, 60_000);

  it('listener mode: the upstream shuts its sending side first, and still gets 5 MB sent after', async () => {
    closesPort = await clientListener(children, env, 'closes', proxyPort);
    const before = await sessionIds('closes');
    const socket = await localConnection(closesPort);
    // The upstream's EOF reaches the client first; only then does the client send.
    expect((await readToEnd(socket)).toString()).toBe('bye\n');
    const count = afterItsEnd.length;
    await writeAll(socket, REQUEST);
    await eventually(
      async () => afterItsEnd.length,
      (n) => n > count,
      20_000,
    );
    expect(afterItsEnd.at(-1)).toBe(sha256(REQUEST));
    const session = await endedSession('closes', before);
    expect(session.bytes_in).toBeGreaterThanOrEqual(REQUEST.length);
    expect(session.bytes_out).toBe(4);
  }, 60_000);

  it('stdin/stdout mode: end of input, then the whole 5 MB answer on standard output', async () => {
    const client = stdioClient('answers');
    const answer = readToEnd(client.child.stdout);
    await writeAll(client.child.stdin, Buffer.from('GET everything\n'));
    expect(sha256(await answer)).toBe(sha256(ANSWER));
    expect(await client.exited, client.stderr()).toBe(0);
  }, 60_000);

  it('stdin/stdout mode: the upstream ends first, standard output ends, input still goes through', async () => {
    const client = stdioClient('closes');
    expect((await readToEnd(client.child.stdout)).toString()).toBe('bye\n');
    const count = afterItsEnd.length;
    await writeAll(client.child.stdin, REQUEST);
    expect(await client.exited, client.stderr()).toBe(0);
    await eventually(
      async () => afterItsEnd.length,
      (n) => n > count,
      20_000,
    );
    expect(afterItsEnd.at(-1)).toBe(sha256(REQUEST));
  }, 60_000);

  it('still tears both ways down when the client resets its connection', async () => {
    const before = await sessionIds('answers');
    const socket = await localConnection(answersPort);
    socket.write('partial');
    await eventually(
      () => sessionIds('answers'),
      (ids) => ids.size > before.size,
      10_000,
    );
    socket.resetAndDestroy();
    // Nothing waits for an EOF that will never come: the session ends.
    await endedSession('answers', before);
  }, 30_000);
});
