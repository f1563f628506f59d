/**
 * A hello-world web app behind either access-check middleware. Put it behind an authenticating proxy that
 * sets X-Forwarded-Email (see README.md):
 *
 *   BORDER0_API_URL=http://127.0.0.1:6080 BORDER0_TOKEN=... SOCKET=web [MODE=offline] [PORT=8080] \
 *     pnpm --filter @border0/examples exec tsx access-check/server.ts
 */
import { createServer } from 'node:http';
import { createClient } from '@border0/sdk';
import { accessCheck } from './middleware.js';
import { offlineAccessCheck } from './offline.js';

const socket = process.env.SOCKET;
if (!socket) {
  console.error('set SOCKET to the name of the http socket this app is');
  process.exit(2);
}
const client = createClient(); // BORDER0_API_URL and BORDER0_TOKEN
const options = { client, socket, trustForwardedFor: process.env.TRUST_FORWARDED_FOR === '1' };
const offline = process.env.MODE === 'offline';
const guard = offline ? offlineAccessCheck(options) : accessCheck(options);
if ('ready' in guard) await guard.ready;

const server = createServer((req, res) =>
  guard(req, res, () => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`hello, ${req.headers['x-forwarded-email']}\n`);
  }),
);
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as { address: string; port: number };
  console.log(
    `listening on http://${address}:${port} (${offline ? 'offline' : 'online'} decisions for ${socket})`,
  );
});
