/**
 * The platform as discovery tests need it: the API (`border0 start --no-proxy`), a proxy with its loopback HTTP
 * listener, a connector `lab` (its token; the test starts it with its own connector.yaml), a socket `handmade`
 * that an admin made on that connector for the app discovery will find (discovery must leave it be), and a
 * service account `batch` whose token reaches every HTTP socket.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { type Border0Client, createClient } from '@border0/sdk';
import {
  BIN,
  border0,
  freePort,
  type Platform,
  daemon as startDaemon,
  startPlatform,
  tempDir,
} from '@border0/testing';

export interface DiscoveryStack {
  api: Platform;
  admin: Border0Client;
  /** For the CLI: its config directory and the API. */
  env: Record<string, string>;
  connectorToken: string;
  /** GET / of a socket through the proxy's loopback HTTP listener, with the service account's token. */
  throughProxy(socket: string): Promise<{ status: number; body: string }>;
}

/** `name` names the temporary folders; `children` collects the processes to kill; `appPort` is the app's. */
export async function startDiscoveryStack(
  name: string,
  children: ChildProcess[],
  appPort: number,
): Promise<DiscoveryStack> {
  const dataDir = tempDir(name);
  const env: Record<string, string> = { BORDER0_CONFIG_DIR: tempDir(`${name}-config`) };
  // A loaded machine (other suites at once) can take over 30 s to start the platform.
  const api = await startPlatform(['--data-dir', dataDir, '--no-proxy'], env, 60_000);
  env.BORDER0_API_URL = api.url;
  const admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
  });
  const httpPort = await freePort();
  const proxyToken = readFileSync(join(dataDir, 'proxy-token'), 'utf8').trim();
  const proxyPort = await freePort();
  await startDaemon(
    children,
    process.execPath,
    [
      ...[BIN, 'proxy', 'start', '--token', proxyToken, '--port', String(proxyPort), '--name', 'p1'],
      ...['--http-port', String(httpPort)],
    ],
    { ...env, BORDER0_LOG_LEVEL: 'warn' },
    /HTTP sockets on loopback/,
  );
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  const { token: connectorToken } = await admin.post('/api/v1/connectors/{connector}/tokens', {
    params: { path: { connector: connector.id } },
    body: { name: 'lab' },
  });
  await admin.post('/api/v1/sockets', {
    body: {
      name: 'handmade',
      socket_type: 'http',
      connector_ids: [connector.id],
      upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: appPort },
    },
  });
  const account = await border0(['service-account', 'create', 'batch', '--role', 'client'], env);
  if (account.code !== 0) throw new Error(account.stderr);
  const created = await border0(['service-account', 'token', 'create', 'batch', '--output', 'json'], env);
  if (created.code !== 0) throw new Error(created.stderr);
  const serviceToken = (JSON.parse(created.stdout) as { token: string }).token;
  await admin.post('/api/v1/policies', {
    body: {
      name: 'web-for-batch',
      org_wide: true,
      document: { permissions: { http: {} }, condition: { who: { service_account: ['batch'] } } },
    },
  });
  const throughProxy = (socket: string) =>
    // node:http, since fetch drops a Host header it is given.
    new Promise<{ status: number; body: string }>((resolve) => {
      const request = httpGet(
        {
          host: '127.0.0.1',
          port: httpPort,
          path: '/',
          headers: {
            host: `${socket}-local.localhost:${httpPort}`,
            authorization: `Bearer ${serviceToken}`,
          },
        },
        (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      request.once('error', () => resolve({ status: 0, body: '' }));
    });
  return { api, admin, env, connectorToken, throughProxy };
}
