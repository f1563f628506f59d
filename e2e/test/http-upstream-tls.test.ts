/**
 * HTTP sockets in front of an https upstream, verified as each socket's `tls` says, every part its own process
 * (API, proxy with its loopback HTTP listener, connector) and the upstream an https server in this process
 * whose certificate a throwaway CA (openssl) signed: with that CA (`--tls full --ca-file`) the request
 * passes, with another CA, or with the default (public CAs), it is refused with a 502 page saying why, and
 * `--tls none` passes unverified. Sockets are made with `border0 socket create` as a user would.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import {
  BIN,
  border0,
  eventually,
  freePort,
  type Platform,
  daemon as startDaemon,
  startPlatform,
  tempDir,
} from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const children: ChildProcess[] = [];
let api: Platform;
let env: Record<string, string>;
let httpPort: number;
let upstreamPort: number;
let token: string;
let work: string;
let app: Server;

/** openssl quietly; what it says on failure is in the thrown error. */
const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** A CA (key and certificate) in `dir`, named `name`. */
function makeCa(dir: string, name: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  ]);
  return { key, cert };
}

/** A server certificate for 127.0.0.1 and intranet.test, signed by `ca`. */
function makeServerCertificate(dir: string, ca: { key: string; cert: string }) {
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.pem');
  const ext = join(dir, 'server.ext');
  openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    '/CN=intranet.test',
  ]);
  writeFileSync(ext, 'subjectAltName=DNS:intranet.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

/** curl through the proxy's loopback listener to socket `name`: status code and body. */
function curl(name: string): Promise<{ status: string; body: string; stderr: string }> {
  const host = `${name}-local.localhost`;
  return new Promise((resolve) => {
    const child = spawn(
      'curl',
      [
        '-sS',
        '-w',
        '\n%{http_code}',
        '-H',
        `authorization: Bearer ${token}`,
        '--resolve',
        `${host}:${httpPort}:127.0.0.1`,
        `http://${host}:${httpPort}/hello`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', () => {
      const at = out.lastIndexOf('\n');
      resolve({ status: out.slice(at + 1), body: out.slice(0, at), stderr });
    });
  });
}

async function createSocket(name: string, flags: string[]): Promise<void> {
  const created = await border0(
    [
      'socket',
      'create',
      '--name',
      name,
      '--type',
      'http',
      '--upstream',
      `https://127.0.0.1:${upstreamPort}`,
      '--connector',
      'lab',
      ...flags,
    ],
    env,
  );
  expect(created.code, created.stderr).toBe(0);
}

beforeAll(async () => {
  work = tempDir('http-tls');
  const ca = makeCa(work, 'throwaway-ca');
  makeCa(work, 'other-ca');
  const { key, cert } = makeServerCertificate(work, ca);
  app = createServer({ key, cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello over https');
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  upstreamPort = (app.address() as { port: number }).port;

  const dataDir = join(work, 'data');
  env = { BORDER0_CONFIG_DIR: join(work, 'config') };
  api = await startPlatform(['--data-dir', dataDir, '--no-proxy'], env);
  env.BORDER0_API_URL = api.url;
  const admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
  });
  httpPort = await freePort();
  const proxyToken = readFileSync(join(dataDir, 'proxy-token'), 'utf8').trim();
  const proxyArgs = ['proxy', 'start', '--token', proxyToken, '--port', String(await freePort())];
  await startDaemon(
    children,
    process.execPath,
    [BIN, ...proxyArgs, '--name', 'p1', '--http-port', String(httpPort)],
    { ...env, BORDER0_LOG_LEVEL: 'warn' },
    /HTTP sockets on loopback/,
  );
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  const connectorToken = (
    await admin.post('/api/v1/connectors/{connector}/tokens', {
      params: { path: { connector: connector.id } },
      body: { name: 'lab' },
    })
  ).token;
  expect((await border0(['service-account', 'create', 'batch', '--role', 'client'], env)).code).toBe(0);
  token = JSON.parse(
    (await border0(['service-account', 'token', 'create', 'batch', '--output', 'json'], env)).stdout,
  ).token as string;
  await admin.post('/api/v1/policies', {
    body: {
      name: 'web-for-batch',
      org_wide: true,
      document: { permissions: { http: {} }, condition: { who: { service_account: ['batch'] } } },
    },
  });
  await createSocket('verified', ['--tls', 'full', '--ca-file', join(work, 'throwaway-ca.pem')]);
  await createSocket('wrong-ca', ['--ca-file', join(work, 'other-ca.pem')]);
  await createSocket('public-cas', []);
  await createSocket('unverified', ['--tls', 'none']);
  await startDaemon(
    children,
    process.execPath,
    [BIN, 'connector', 'start', '--token', connectorToken],
    env,
    /connector lab serves/,
  );
  await eventually(
    () => curl('unverified'),
    (r) => r.status === '200',
    20_000,
  );
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await api?.stop();
  app?.close();
});

describe('an HTTP socket with an https upstream', () => {
  it('reaches the upstream whose certificate chains to the socket’s CA and names it (--tls full --ca-file)', async () => {
    const answer = await curl('verified');
    expect(answer.status, answer.stderr).toBe('200');
    expect(answer.body).toBe('hello over https');
  });

  it('refuses an upstream signed by another CA, or by none the public roots know, with a 502 page saying why', async () => {
    for (const name of ['wrong-ca', 'public-cas']) {
      const answer = await curl(name);
      expect(answer.status, answer.body).toBe('502');
      expect(answer.body).toContain('Upstream certificate refused');
      expect(answer.body).toMatch(/TLS to the upstream failed: .*certificate/);
      expect(answer.body).not.toContain('hello over https');
    }
  });

  it('passes unverified with --tls none', async () => {
    const answer = await curl('unverified');
    expect(answer.status, answer.stderr).toBe('200');
    expect(answer.body).toBe('hello over https');
  });
});
