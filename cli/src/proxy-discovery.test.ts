/** The proxy a client connects through: the one given, else the first live one that can be reached. */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHostPort, proxyTargets, reachableProxy } from './proxy-discovery.js';

let open: Server;
let openPort: number;
let closedPort: number;

beforeAll(async () => {
  open = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => open.listen(0, '127.0.0.1', resolve));
  openPort = (open.address() as { port: number }).port;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  closedPort = (closed.address() as { port: number }).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});
afterAll(() => new Promise<void>((resolve) => open.close(() => resolve())));

/** A client whose proxy list is `items`; it records what it was asked. */
const clientListing = (items: Array<{ name: string; public_address: string }>, asked: unknown[] = []) =>
  ({
    get: async (path: string, init: unknown) => {
      asked.push([path, init]);
      return { items: items.map((p) => ({ ...p, region: null })) };
    },
  }) as never;

describe('proxyTargets', () => {
  it('takes the flag first, then BORDER0_PROXY, and asks the API only without either', async () => {
    const asked: unknown[] = [];
    const client = clientListing([{ name: 'p1', public_address: 'p1.example.net:8443' }], asked);
    expect(await proxyTargets(client, '10.0.0.1:9443')).toEqual([{ host: '10.0.0.1', port: 9443 }]);
    process.env.BORDER0_PROXY = '[::1]:7443';
    try {
      expect(await proxyTargets(client, undefined)).toEqual([{ host: '::1', port: 7443 }]);
    } finally {
      delete process.env.BORDER0_PROXY;
    }
    expect(asked).toEqual([]);
    process.env.BORDER0_REGION = 'eu';
    try {
      expect(await proxyTargets(client, undefined)).toEqual([{ host: 'p1.example.net', port: 8443 }]);
    } finally {
      delete process.env.BORDER0_REGION;
    }
    expect(asked).toEqual([['/api/v1/client/proxies', { params: { query: { region: 'eu' } } }]]);
  });

  it('says so when no proxy is live', async () => {
    await expect(proxyTargets(clientListing([]), undefined)).rejects.toThrow(
      /no proxy of the platform is running/,
    );
  });
});

describe('reachableProxy', () => {
  it('skips a proxy that cannot be reached, and names every one when none can', async () => {
    const closed = parseHostPort(`127.0.0.1:${closedPort}`, 'test');
    const reachable = parseHostPort(`127.0.0.1:${openPort}`, 'test');
    expect(await reachableProxy([closed, reachable])).toEqual(reachable);
    await expect(reachableProxy([closed, closed])).rejects.toThrow(
      /cannot reach a proxy: .*ECONNREFUSED.*ECONNREFUSED/,
    );
  });
});
