/**
 * The reference for bench/http.ts: the reverse proxy library HTTP sockets use (http-proxy-3) with a
 * keep-alive agent, in one Node process straight to the upstream: no tunnel, no connector, no identity or
 * policy. What border0 adds is measured against it; what Node itself costs, against nginx.
 *
 *   node --import tsx http-proxy-baseline.ts <listen port> <upstream port>
 */
import { Agent, createServer } from 'node:http';
import { createProxyServer } from 'http-proxy-3';

const [port, upstreamPort] = process.argv.slice(2).map(Number);
const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32 });
const proxy = createProxyServer({ xfwd: true });
const target = new URL(`http://127.0.0.1:${upstreamPort}`);
createServer((request, response) => {
  proxy.web(request, response, { target, agent }, () => {
    response.writeHead(502).end();
  });
}).listen(port, '127.0.0.1', () => console.log(`http-proxy-3 listening on ${port}`));
process.once('SIGTERM', () => process.exit(0));
