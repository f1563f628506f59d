/**
 * A real control plane in this process (the server on an in-memory store) and proxies against it, for tests
 * that count what hostile connections cost: every request a proxy makes to the API is noted (`calls`), and
 * session rows and audit entries are read through the admin's SDK client.
 */
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { createServer as createTcpServer, type Socket, connect as tcpConnect } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { type Border0Client, createClient, type Schema } from '@border0/sdk';
import { type ServerHandle, startServer } from '@border0/server';
import * as x509 from '@peculiar/x509';
import { pino } from 'pino';
import ssh2 from 'ssh2';
import { type ProxyHandle, type ProxyOptions, startProxy } from '../../src/proxy.js';

export interface Stack {
  api: ServerHandle;
  admin: Border0Client;
  /** A key and a certificate of the organization's client CA for admin@localhost. */
  credentials: ClientCredentials;
  /** Starts a proxy against this API (closed with the stack). */
  startProxy(options?: Partial<ProxyOptions>): Promise<TestProxy>;
  close(): Promise<void>;
}

export interface TestProxy {
  handle: ProxyHandle;
  port: number;
  /** `METHOD /path` of every request this proxy made to the API, in order. */
  calls: string[];
}

export interface ClientCredentials {
  key: string;
  cert: string;
}

type Session = Schema<'Session'>;

export async function startStack(): Promise<Stack> {
  const silent = pino({ level: 'silent' });
  const api = await startServer({ dataDir: 'memory://', host: '127.0.0.1', port: 0, logger: silent });
  const admin = createClient({ baseUrl: api.url, token: api.bootstrap!.token });
  const proxies: ProxyHandle[] = [];
  return {
    api,
    admin,
    credentials: await clientCredentials(admin),
    async startProxy(options = {}) {
      const calls: string[] = [];
      const handle = await startProxy({
        apiUrl: api.url,
        token: api.proxyToken!,
        name: `test-${proxies.length + 1}`,
        port: 0,
        log: silent,
        ...options,
        fetch: (request) => {
          calls.push(`${request.method} ${new URL(request.url).pathname}`);
          return globalThis.fetch(request);
        },
      });
      proxies.push(handle);
      return { handle, port: handle.port, calls };
    },
    async close() {
      await Promise.all(proxies.map((proxy) => proxy.close()));
      await api.close();
    },
  };
}

/** A client certificate for the owner: a P-256 key made here, a CSR, signed by the organization's client CA. */
async function clientCredentials(admin: Border0Client): Promise<ClientCredentials> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      pair.privateKey.export({ type: 'pkcs8', format: 'der' }),
      algorithm,
      false,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      pair.publicKey.export({ type: 'spki', format: 'der' }),
      algorithm,
      true,
      ['verify'],
    ),
  };
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=border0-test',
    keys,
    signingAlgorithm: algorithm,
  });
  const issued = await admin.post('/api/v1/client/certificates', { body: { csr: csr.toString('pem') } });
  return {
    key: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: `${issued.certificate.trim()}\n${issued.ca_certificate.trim()}\n`,
  };
}

/** Every session of a socket, newest first. */
export async function sessionsOf(admin: Border0Client, socket: string): Promise<Session[]> {
  const sessions: Session[] = [];
  for await (const session of admin.paginate('/api/v1/sessions', { params: { query: { socket } } })) {
    sessions.push(session as Session);
  }
  return sessions;
}

/** A TCP connection from `localAddress` (any of 127.0.0.0/8 is this machine on Linux). */
export function rawConnection(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port, localAddress });
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

export interface TlsOptions {
  servername: string;
  credentials?: ClientCredentials | undefined;
  alpn?: string | undefined;
  localAddress?: string | undefined;
}

/** A TLS connection to the proxy; resolves when the handshake is done, rejects when it is refused. */
export function tlsConnection(port: number, options: TlsOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      socket: tcpConnect({ host: '127.0.0.1', port, localAddress: options.localAddress ?? '127.0.0.1' }),
      servername: options.servername,
      rejectUnauthorized: false,
      ALPNProtocols: [options.alpn ?? 'border0-client'],
      ...(options.credentials && { key: options.credentials.key, cert: options.credentials.cert }),
    });
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Resolves with the milliseconds until `socket` closes (whoever closes it), or rejects after `deadlineMs`. */
export function msUntilClosed(socket: Socket, deadlineMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve(0);
    const timer = setTimeout(() => reject(new Error(`still open after ${deadlineMs} ms`)), deadlineMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
    // Data is read (and dropped), so that the peer's end is seen.
    socket.resume();
  });
}

/** The first line the proxy sends on a client connection (its status line). */
export function statusLineOf(socket: TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(text.slice(0, end));
    };
    const onClose = () => reject(new Error(`closed before a status line (got ${JSON.stringify(text)})`));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** The bytes of a real ClientHello for `servername` (one TLS record), captured from Node's TLS client. */
export function clientHello(servername: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = createTcpServer((socket) => {
      let bytes = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        bytes = Buffer.concat([bytes, chunk]);
        // A record: type, version (2 bytes), length (2 bytes), then the body.
        if (bytes.length < 5 || bytes.length < 5 + bytes.readUInt16BE(3)) return;
        socket.destroy();
        server.close();
        resolve(bytes.subarray(0, 5 + bytes.readUInt16BE(3)));
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      const client = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
      client.on('error', () => {});
    });
    server.once('error', reject);
  });
}

/** Logs in over SSH inside `tls` (the proxy accepts any method: the certificate said who this is). */
export function sshLogin(tls: TLSSocket, username = 'border0test'): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before the SSH login')));
    client.connect({ sock: tls, username, hostVerifier: () => true, readyTimeout: 20_000 });
  });
}
