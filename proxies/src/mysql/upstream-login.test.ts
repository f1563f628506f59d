/**
 * The upstream login against a small fake MySQL 8 server (MariaDB has no caching_sha2_password): fast
 * authentication, full authentication over TLS and with the server's RSA key, an auth switch, a wrong
 * password. The fake server is first checked with mysql2 as its client, so that it is not only our own
 * reading of the protocol.
 */
import { execFileSync } from 'node:child_process';
import { constants, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import { TLSSocket } from 'node:tls';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT, SUPPORTED } from './capabilities.js';
import { greetingPacket, isSslRequest, readHandshakeResponse } from './handshake.js';
import { PacketQueue } from './packet-queue.js';
import { errPacket, okPacket, packet } from './packets.js';
import { cachingSha2Password, nativePassword } from './scramble.js';
import { runUpstreamStatement } from './upstream-commands.js';
import { loginUpstream, readUpstreamGreeting, UpstreamLoginError } from './upstream-login.js';

type Mode = 'fast' | 'full' | 'switch' | 'native';
const PASSWORD = 'the socket’s secret';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
let tlsKey: string;
let tlsCert: string;

/** A fake MySQL 8 server; `queries` collects the COM_QUERY texts it was sent after a login. */
function fakeServer(mode: Mode, queries: string[]): Server {
  return createServer((socket) => {
    socket.on('error', () => {});
    serve(socket, mode, queries).catch(() => socket.destroy());
  });
}

async function serve(raw: Socket, mode: Mode, queries: string[]) {
  let socket: Socket | TLSSocket = raw;
  let scramble = printable();
  const plugin = mode === 'native' || mode === 'switch' ? 'mysql_native_password' : 'caching_sha2_password';
  const capabilities = SUPPORTED | CLIENT.SSL;
  raw.write(
    greetingPacket({
      serverVersion: '8.0.36-fake',
      threadId: 77,
      scramble,
      capabilities,
      charset: 255,
      status: 2,
      plugin,
    }),
  );
  const queue = new PacketQueue(raw);
  let p = await queue.next();
  if (isSslRequest(p.payload)) {
    // The client's TLS hello may already be in what the queue read: it goes first into the TLS socket.
    const inbound = new PassThrough();
    inbound.write(queue.detach());
    raw.pipe(inbound);
    const duplex = Duplex.from({ readable: inbound, writable: raw });
    socket = new TLSSocket(duplex as unknown as Socket, { isServer: true, key: tlsKey, cert: tlsCert });
    queue.rebind(socket);
    p = await queue.next();
  }
  const response = readHandshakeResponse(p.payload);
  let seq = p.seq + 1;
  const send = (payload: Buffer) => socket.write(packet(seq++, payload));
  const read = async () => {
    const answer = await queue.next();
    seq = answer.seq + 1;
    return answer.payload;
  };
  let token = response.authResponse;
  if (mode === 'switch') {
    scramble = printable();
    send(Buffer.concat([Buffer.from('\xfecaching_sha2_password\0', 'latin1'), scramble, Buffer.from([0])]));
    token = await read();
  }
  let ok: boolean;
  if (mode === 'native') ok = token.equals(nativePassword(PASSWORD, scramble));
  else if (mode !== 'full') {
    ok = token.equals(cachingSha2Password(PASSWORD, scramble));
    if (ok) send(Buffer.from([0x01, 0x03]));
  } else {
    send(Buffer.from([0x01, 0x04]));
    let answer = await read();
    if (socket instanceof TLSSocket) ok = answer.toString('utf8') === `${PASSWORD}\0`;
    else {
      if (answer[0] !== 0x02) throw new Error('expected a public key request');
      const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
      send(Buffer.concat([Buffer.from([0x01]), Buffer.from(pem)]));
      answer = await read();
      const plain = privateDecrypt(
        { key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING },
        answer,
      );
      ok = Buffer.from(plain.map((b, i) => b ^ scramble[i % 20]!)).toString('utf8') === `${PASSWORD}\0`;
    }
  }
  if (!ok) {
    socket.end(errPacket(seq, 1045, '28000', `Access denied for user '${response.user}'`));
    return;
  }
  socket.write(okPacket(seq, 2));
  for (;;) {
    const command = await queue.next();
    if (command.payload[0] === 0x01) return socket.end();
    queries.push(command.payload.toString('utf8', 1));
    socket.write(okPacket(1, 2));
  }
}

/** A scramble as servers make them: 20 printable bytes. */
function printable(): Buffer {
  return Buffer.from(randomBytes(20).map((b) => (b % 94) + 33));
}

const servers: Server[] = [];
async function listen(mode: Mode, queries: string[] = []): Promise<number> {
  const server = fakeServer(mode, queries);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

type TlsSettings = { enabled: true; verify: 'full' | 'ca' | 'none'; ca_certificate?: string };

async function proxyLogin(port: number, password: string, tls: boolean | TlsSettings) {
  const channel = netConnect(port, '127.0.0.1');
  await new Promise((resolve) => channel.once('connect', resolve));
  const greeted = await readUpstreamGreeting(channel);
  const session = await loginUpstream(
    greeted,
    {
      hostname: '127.0.0.1',
      username: 'app',
      password,
      tls: tls === true ? { enabled: true, verify: 'none' } : tls || undefined,
    },
    {
      capabilities: SUPPORTED,
      charset: 45,
      database: 'shop',
      attributes: new Map([['_border0_identity', 'ana']]),
    },
  );
  return { greeted, session };
}

beforeAll(() => {
  const dir = join(tmpdir(), `mysql-fake-${process.pid}`);
  execFileSync('mkdir', ['-p', dir]);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  tlsKey = readFileSync(join(dir, 'key.pem'), 'utf8');
  tlsCert = readFileSync(join(dir, 'cert.pem'), 'utf8');
});

afterAll(() => {
  for (const server of servers) server.close();
});

describe('the fake server, checked with mysql2 as its client', () => {
  for (const [mode, tls] of [
    ['fast', false],
    ['full', true],
    ['full', false],
    ['switch', false],
    ['native', false],
  ] as const) {
    it(`logs mysql2 in (${mode}${tls ? ', TLS' : ''})`, async () => {
      const queries: string[] = [];
      const connection = await mysql.createConnection({
        host: '127.0.0.1',
        port: await listen(mode, queries),
        user: 'app',
        password: PASSWORD,
        allowPublicKeyRetrieval: true,
        ...(tls && { ssl: { rejectUnauthorized: false } }),
      } as mysql.ConnectionOptions);
      await connection.query('DO 1');
      await connection.end();
      expect(queries).toContain('DO 1');
    });
  }
});

describe('loginUpstream', () => {
  for (const [mode, tls] of [
    ['fast', false],
    ['full', true],
    ['full', false],
    ['switch', false],
    ['native', false],
  ] as const) {
    it(`logs in with ${mode === 'native' ? 'mysql_native_password' : `caching_sha2_password (${mode}${tls ? ', TLS' : ', RSA key'})`}`, async () => {
      const queries: string[] = [];
      const { greeted, session } = await proxyLogin(await listen(mode, queries), PASSWORD, tls);
      expect(greeted.greeting).toMatchObject({ serverVersion: '8.0.36-fake', threadId: 77 });
      expect(session.ok[0]).toBe(0);
      await runUpstreamStatement(session.socket, session.rest, 'SET SESSION TRANSACTION READ ONLY');
      expect(queries).toEqual(['SET SESSION TRANSACTION READ ONLY']);
      session.socket.destroy();
    });
  }

  it('verifies the upstream’s certificate as the socket says: the chain (ca), and the name too (full)', async () => {
    const port = await listen('full');
    const byChain = await proxyLogin(port, PASSWORD, {
      enabled: true,
      verify: 'ca',
      ca_certificate: tlsCert,
    });
    byChain.session.socket.destroy();
    // The certificate names localhost, not 127.0.0.1.
    await expect(
      proxyLogin(port, PASSWORD, { enabled: true, verify: 'full', ca_certificate: tlsCert }),
    ).rejects.toThrow(/TLS to the upstream failed/);
    await expect(proxyLogin(port, PASSWORD, { enabled: true, verify: 'ca' })).rejects.toThrow(
      /TLS to the upstream failed: self.signed/,
    );
  });

  it('reports a refused login with the upstream’s words, as 1045/28000', async () => {
    const refused = await proxyLogin(await listen('fast'), 'wrong', false).catch((error) => error);
    expect(refused).toBeInstanceOf(UpstreamLoginError);
    expect(refused).toMatchObject({ code: 1045, sqlState: '28000' });
    expect(refused.message).toMatch(/refused the login as app \(caching_sha2_password\): Access denied/);
  });
});
