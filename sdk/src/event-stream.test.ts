import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import { EventStream } from './event-stream.js';

let server: Server | undefined;
const open: ServerResponse[] = [];
afterEach(async () => {
  for (const res of open.splice(0)) res.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** A real HTTP server on loopback that starts each event stream with `ready` and then says nothing. */
async function silentAfterReady(heartbeatSeconds: number) {
  let streams = 0;
  server = createServer((_req, res) => {
    streams++;
    open.push(res);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`event: ready\ndata: {"heartbeat_interval_seconds": ${heartbeatSeconds}}\n\n`);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, streams: () => streams };
}

describe('EventStream', () => {
  it('takes a stream silent for three heartbeats as broken, and connects again', async () => {
    const { baseUrl, streams } = await silentAfterReady(1);
    const changes: { live: boolean; at: number }[] = [];
    const started = Date.now();
    const events = new EventStream({
      client: createClient({ baseUrl, token: 'proxy-token' }),
      stream: 'proxy',
      onEvent: () => {},
      onConnectedChange: (live) => changes.push({ live, at: Date.now() - started }),
    }).start();
    try {
      const deadline = Date.now() + 10_000;
      while (streams() < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(streams()).toBe(2);
      const broken = changes.find((change) => !change.live);
      expect(broken?.at).toBeGreaterThanOrEqual(2900);
      expect(changes.slice(0, 2).map((change) => change.live)).toEqual([true, false]);
    } finally {
      events.close();
    }
  }, 15_000);
});
