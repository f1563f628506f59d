/**
 * Real upstream services on loopback for tunnel tests: an echo server (replies with what it gets and ends
 * after the client half-closes), a server that sends a large random payload, servers that half-close (one
 * answers only after the client's EOF, one ends its side first and reads on), and a port nobody listens on.
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';

export interface Upstream {
  port: number;
  /** Connections the upstream accepted so far. */
  accepted: () => number;
  close: () => Promise<void>;
}

async function listen(onConnection: (socket: net.Socket) => void): Promise<Upstream> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Echoes every byte; ends its side once the client ended its own (half-close honoured). */
export function startEchoUpstream(): Promise<Upstream> {
  return listen((socket) => socket.pipe(socket));
}

/** Sends `size` random bytes then ends; `sha256` is their digest. */
export async function startPayloadUpstream(size: number): Promise<Upstream & { sha256: string }> {
  const payload = randomBytes(size);
  const sha256 = createHash('sha256').update(payload).digest('hex');
  const upstream = await listen((socket) => {
    socket.resume();
    socket.end(payload);
  });
  return { ...upstream, sha256 };
}

/** Reads each request to the client's EOF, then answers with `size` random bytes (digest `sha256`) and ends. */
export async function startAnswerAfterEofUpstream(
  size: number,
): Promise<Upstream & { sha256: string; requests: string[] }> {
  const payload = randomBytes(size);
  const requests: string[] = [];
  const upstream = await listen((socket) => {
    const hash = createHash('sha256');
    socket.on('data', (chunk: Buffer) => hash.update(chunk));
    socket.once('end', () => {
      requests.push(hash.digest('hex'));
      socket.end(payload);
    });
  });
  return { ...upstream, sha256: createHash('sha256').update(payload).digest('hex'), requests };
}

/**
 * Ends its sending side at once (after `bye\n`), then reads until the client's EOF; `received` holds the digest
 * of what each connection got, once it got it all.
 */
export async function startClosesFirstUpstream(): Promise<Upstream & { received: string[] }> {
  const received: string[] = [];
  const upstream = await listen((socket) => {
    socket.end('bye\n');
    const hash = createHash('sha256');
    socket.on('data', (chunk: Buffer) => hash.update(chunk));
    socket.once('end', () => received.push(hash.digest('hex')));
  });
  return { ...upstream, received };
}

/** A loopback port that refuses connections (it was bound, then released). */
export async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
