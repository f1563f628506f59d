/** The relay between two parts, cut, restored and frozen, over real loopback sockets. */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from './eventually.js';
import { startTcpRelay, type TcpRelay } from './tcp-relay.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function echoServer(): Promise<number> {
  const server = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

async function relayTo(port: number): Promise<TcpRelay> {
  const relay = await startTcpRelay({ port });
  closers.push(() => relay.close());
  return relay;
}

/** A connection through the relay: what it received, and whether it closed. */
async function connect(port: number) {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  let received = '';
  let closed = false;
  socket.on('data', (chunk) => {
    received += chunk;
  });
  socket.once('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  closers.push(async () => void socket.destroy());
  return { socket, received: () => received, closed: () => closed };
}

describe('startTcpRelay', () => {
  it('relays both ways, and takes a URL as its target', async () => {
    const port = await echoServer();
    const relay = await startTcpRelay(new URL(`http://127.0.0.1:${port}/api`));
    closers.push(() => relay.close());
    expect(relay.url).toBe(`http://127.0.0.1:${relay.port}`);
    const client = await connect(relay.port);
    client.socket.write('hello');
    await waitUntil(() => client.received() === 'hello', 5_000, 'the echo');
  });

  it('cut closes every connection and refuses new ones until restore', async () => {
    const relay = await relayTo(await echoServer());
    const before = await connect(relay.port);
    relay.cut();
    await waitUntil(before.closed, 5_000, 'the connection to close');
    const during = await connect(relay.port);
    await waitUntil(during.closed, 5_000, 'a new connection to be refused');
    relay.restore();
    const after = await connect(relay.port);
    after.socket.write('back');
    await waitUntil(() => after.received() === 'back', 5_000, 'the echo after restore');
  });

  it('freeze stops the bytes of current connections but keeps them open; new ones relay', async () => {
    const relay = await relayTo(await echoServer());
    const frozen = await connect(relay.port);
    frozen.socket.write('one');
    await waitUntil(() => frozen.received() === 'one', 5_000, 'the first echo');
    relay.freeze();
    frozen.socket.write('two');
    const fresh = await connect(relay.port);
    fresh.socket.write('fresh');
    await waitUntil(() => fresh.received() === 'fresh', 5_000, 'the echo on a new connection');
    expect(frozen.received()).toBe('one');
    expect(frozen.closed()).toBe(false);
  });
});
