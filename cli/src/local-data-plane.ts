/**
 * The data plane of `border0 start`: a proxy and a built-in connector in the same process as the API. The
 * proxy uses the platform's proxy token; the built-in connector (`local`) is created once with the admin
 * token and keeps its own token in the data directory (mode 0600).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
// Types only: the server is loaded lazily by `border0 start`.
import type { issueProxyToken as IssueProxyToken, ServerHandle } from '@border0/server';
import type { Logger } from 'pino';

export interface LocalDataPlane {
  proxyAddress: string;
  /** The loopback port serving HTTP sockets in plain HTTP (`http://<socket>-<org>.localhost:<port>/`). */
  httpPort: number | undefined;
  close(): Promise<void>;
}

function readSecret(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/**
 * The proxy token of the built-in proxy: the file the first start wrote, or, for a data directory made before
 * proxies had tokens, a new one issued now and written there (mode 0600).
 */
export async function localProxyToken(
  server: ServerHandle,
  dataDir: string,
  issue: typeof IssueProxyToken,
): Promise<string> {
  const file = join(dataDir, 'proxy-token');
  const stored = readSecret(file);
  if (stored) return stored;
  const { token } = await issue(server.services.db, 'local');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

export async function startLocalDataPlane(options: {
  apiUrl: string;
  dataDir: string;
  baseDomain: string;
  host: string;
  proxyPort: number;
  /** Plain HTTP for HTTP sockets on loopback; undefined: none. */
  httpPort: number | undefined;
  proxyToken: string | undefined;
  adminToken: string | undefined;
  geoipDatabase: string | undefined;
  geoipOverrides: Record<string, string>;
  log: Logger;
}): Promise<LocalDataPlane> {
  const proxyToken = options.proxyToken ?? readSecret(join(options.dataDir, 'proxy-token'));
  const adminToken = options.adminToken ?? readSecret(join(options.dataDir, 'admin-token'));
  if (!proxyToken)
    throw new Error(`no proxy token in ${options.dataDir}: start with --no-proxy, or a fresh data directory`);
  const [{ startProxy }, { startConnector }] = await Promise.all([
    import('@border0/proxies'),
    import('@border0/connector'),
  ]);
  const proxy = await startProxy({
    apiUrl: options.apiUrl,
    token: proxyToken,
    name: 'local',
    host: options.host,
    port: options.proxyPort,
    httpLoopbackPort: options.httpPort,
    baseDomain: options.baseDomain,
    geoipDatabase: options.geoipDatabase,
    geoipOverrides: options.geoipOverrides,
    log: options.log.child({ part: 'proxy' }),
  });

  const tokenFile = join(options.dataDir, 'connector-token');
  let connectorToken = readSecret(tokenFile);
  if (!connectorToken && adminToken) {
    const admin = createClient({ baseUrl: options.apiUrl, token: adminToken });
    const existing = await admin
      .get('/api/v1/connectors/{connector}', { params: { path: { connector: 'local' } } })
      .catch(() => undefined);
    const connector =
      existing ??
      (await admin.post('/api/v1/connectors', {
        body: { name: 'local', description: 'built into border0 start' },
      }));
    connectorToken = (
      await admin.post('/api/v1/connectors/{connector}/tokens', {
        params: { path: { connector: connector.id } },
        body: { name: 'border0 start', expires_at: new Date(Date.now() + 364 * 86_400_000).toISOString() },
      })
    ).token;
    writeFileSync(tokenFile, `${connectorToken}\n`, { mode: 0o600 });
  }
  const connector = connectorToken
    ? await startConnector({
        apiUrl: options.apiUrl,
        token: connectorToken,
        log: options.log.child({ part: 'connector' }),
      })
    : undefined;
  return {
    proxyAddress: proxy.address,
    httpPort: proxy.httpLoopbackPort,
    async close() {
      await connector?.close();
      await proxy.close();
    },
  };
}
