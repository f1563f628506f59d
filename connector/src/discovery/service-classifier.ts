/**
 * What answers on a TCP port, told from how it speaks: a server that talks first (an SSH banner, a MySQL or
 * MariaDB handshake), else by probes on fresh connections: PostgreSQL's SSLRequest, a TLS ClientHello (and
 * HTTP inside it), plain HTTP. A port that accepts but answers none of these is plain TCP. Closed ports,
 * refused or timed out, are `closed`.
 */
import { type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export type ServiceKind = 'ssh' | 'postgres' | 'mysql' | 'http' | 'https' | 'tls' | 'tcp' | 'closed';

export interface ClassifyOptions {
  /** Connect timeout and the time each probe may wait for an answer (ms). */
  timeoutMs: number;
  /** How long to wait for a server that talks first, such as sshd or MySQL (ms). */
  greetingMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** PostgreSQL SSLRequest: length 8, code 80877103 (protocol-flow.html#PROTOCOL-FLOW-SSL). */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

interface Exchange {
  /** What the server sent (up to the first pause, at most 4 KiB), or null when the connection failed. */
  answer: Buffer | null;
}

/**
 * Connects, optionally sends `hello`, and collects what comes back until `waitMs` passes with nothing more,
 * the server closes, or 4 KiB arrived.
 */
function exchange(
  host: string,
  port: number,
  hello: Buffer | null,
  waitMs: number,
  options: ClassifyOptions,
) {
  return new Promise<Exchange>((resolve) => {
    const socket: Socket = tcpConnect({ host, port });
    const chunks: Buffer[] = [];
    let connected = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', finish);
      socket.destroy();
      resolve({ answer: connected ? Buffer.concat(chunks) : null });
    };
    const wait = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(finish, ms);
    };
    options.signal?.addEventListener('abort', finish);
    wait(options.timeoutMs);
    socket.once('connect', () => {
      connected = true;
      if (hello) socket.write(hello);
      wait(waitMs);
    });
    socket.on('data', (data: Buffer) => {
      chunks.push(data);
      // The rest of an answer follows within moments; a 'S'/'N' or a banner line is whole.
      if (Buffer.concat(chunks).length >= 4096) finish();
      else wait(Math.min(waitMs, 100));
    });
    socket.once('end', finish);
    socket.once('error', finish);
  });
}

/** A MySQL/MariaDB initial handshake (protocol 10) or an error packet in place of it (e.g. host not allowed). */
function isMysqlGreeting(data: Buffer): boolean {
  if (data.length < 5) return false;
  const length = data.readUIntLE(0, 3);
  if (data[3] !== 0 || length < 1 || length > data.length + 1024) return false;
  if (data[4] === 0x0a) return data.indexOf(0, 5) > 5;
  return data[4] === 0xff && length >= 3;
}

const isHttpAnswer = (data: Buffer) => /^HTTP\/\d(\.\d)? \d{3}/.test(data.subarray(0, 16).toString('latin1'));

function httpRequest(host: string): Buffer {
  const authority = host.includes(':') ? `[${host}]` : host;
  return Buffer.from(
    `HEAD / HTTP/1.1\r\nHost: ${authority}\r\nUser-Agent: border0-discovery\r\nConnection: close\r\n\r\n`,
  );
}

/** TLS handshake; then whether HTTP answers inside. null when no TLS handshake completes. */
function probeTls(host: string, port: number, options: ClassifyOptions): Promise<'https' | 'tls' | null> {
  return new Promise((resolve) => {
    let handshake = false;
    let settled = false;
    const socket = tlsConnect({
      host,
      port,
      // Only to learn what speaks here; the socket's own upstream settings decide verification later.
      rejectUnauthorized: false,
      ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
      ALPNProtocols: ['http/1.1'],
    });
    const chunks: Buffer[] = [];
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(handshake ? (isHttpAnswer(Buffer.concat(chunks)) ? 'https' : 'tls') : null);
    };
    const timer = setTimeout(finish, options.timeoutMs);
    options.signal?.addEventListener('abort', finish, { once: true });
    socket.once('secureConnect', () => {
      handshake = true;
      socket.write(httpRequest(host));
    });
    socket.on('data', (data: Buffer) => {
      chunks.push(data);
      if (Buffer.concat(chunks).length >= 16) finish();
    });
    socket.once('end', finish);
    socket.once('error', finish);
  });
}

/** What speaks on host:port. */
export async function classifyService(
  host: string,
  port: number,
  options: ClassifyOptions,
): Promise<ServiceKind> {
  const greetingMs = options.greetingMs ?? Math.min(options.timeoutMs, 400);
  const greeting = await exchange(host, port, null, greetingMs, options);
  if (greeting.answer === null) return 'closed';
  const first = greeting.answer;
  if (first.length > 0) {
    if (first.subarray(0, 4).toString('latin1') === 'SSH-') return 'ssh';
    if (isMysqlGreeting(first)) return 'mysql';
    return 'tcp';
  }
  const postgres = await exchange(host, port, SSL_REQUEST, options.timeoutMs, options);
  // PostgreSQL answers the SSLRequest with one byte, 'S' (TLS follows) or 'N', and then waits.
  if (postgres.answer?.length === 1 && (postgres.answer[0] === 0x53 || postgres.answer[0] === 0x4e)) {
    return 'postgres';
  }
  const tls = await probeTls(host, port, options);
  if (tls) return tls;
  const http = await exchange(host, port, httpRequest(host), options.timeoutMs, options);
  if (http.answer && isHttpAnswer(http.answer)) return 'http';
  return 'tcp';
}
