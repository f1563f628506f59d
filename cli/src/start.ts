/**
 * `border0 start`: the platform in this process, on an embedded database unless --database-url is given.
 * The CLI is the one package allowed to compose the server; it is imported lazily so that every other
 * command starts without loading it.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { configPath, withOrganization } from './config.js';
import { contextOf } from './context.js';
import { localProxyToken, startLocalDataPlane } from './local-data-plane.js';
import { parsePort } from './options.js';

interface StartOptions {
  proxy: boolean;
  proxyPort: string;
  httpPort: string;
  dataDir: string;
  port: string;
  host: string;
  baseDomain: string;
  databaseUrl?: string;
  metricsListen?: string;
}

/** A wildcard listen address is not something a client can dial; loopback is. */
function dialable(url: string): string {
  return url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run the Border0 platform in this process (API, proxy, a connector) on an embedded database')
    .option('--data-dir <dir>', 'embedded database, keys and the admin token file', '.border0/data')
    .option('--port <port>', 'API port (0 picks a free one)', '6080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--base-domain <domain>', 'sockets are named <socket>-<org>.<domain>', 'localhost')
    .option(
      '--database-url <url>',
      'use this PostgreSQL instead of the embedded database (env BORDER0_DATABASE_URL)',
    )
    .option(
      '--metrics-listen <host:port>',
      'serve Prometheus metrics (and health) on this operations address, e.g. 127.0.0.1:9464; off by default (env BORDER0_METRICS_LISTEN)',
    )
    .option('--proxy-port <port>', 'port of the built-in proxy (0 picks a free one)', '8443')
    .option(
      '--http-port <port>',
      'serve HTTP sockets in plain HTTP on loopback at http://<socket>-<org>.localhost:<port>/ (0 picks a free one)',
      '8080',
    )
    .option('--no-proxy', 'run the API only: no proxy, no built-in connector')
    .action(async (options: StartOptions, command: Command) => {
      const ctx = contextOf(command);
      const port = parsePort(options.port, '--port');
      const [{ startServer, parseCountryOverrides, issueProxyToken }, { pino }] = await Promise.all([
        import('@border0/server'),
        import('pino'),
      ]);
      // Logs go to stderr at warn level, so the addresses and token printed below stay readable.
      const logger = pino(
        { name: 'border0', level: process.env.BORDER0_LOG_LEVEL ?? 'warn' },
        pino.destination(2),
      );
      const server = await startServer({
        dataDir: options.dataDir,
        port,
        host: options.host,
        baseDomain: options.baseDomain,
        databaseUrl: options.databaseUrl ?? process.env.BORDER0_DATABASE_URL,
        secretKey: process.env.BORDER0_SECRET_KEY,
        geoipDatabase: process.env.BORDER0_GEOIP_DATABASE,
        geoipOverrides: parseCountryOverrides(process.env.BORDER0_GEOIP_OVERRIDES),
        metricsListen: options.metricsListen ?? process.env.BORDER0_METRICS_LISTEN,
        portalDir: builtPortal(),
        logger,
      });
      const url = dialable(server.url);
      const dataPlane = options.proxy
        ? await startLocalDataPlane({
            apiUrl: url,
            dataDir: options.dataDir,
            baseDomain: options.baseDomain,
            host: options.host,
            proxyPort: parsePort(options.proxyPort, '--proxy-port'),
            // Plain HTTP only where it stays on this machine: browsers reach *.localhost on loopback.
            httpPort: isLoopback(options.host) ? parsePort(options.httpPort, '--http-port') : undefined,
            proxyToken:
              server.proxyToken ?? (await localProxyToken(server, options.dataDir, issueProxyToken)),
            adminToken: server.bootstrap?.token,
            geoipDatabase: process.env.BORDER0_GEOIP_DATABASE,
            geoipOverrides: parseCountryOverrides(process.env.BORDER0_GEOIP_OVERRIDES),
            log: logger,
          })
        : undefined;
      const tokenFile = resolve(options.dataDir, 'admin-token');
      const lines = [
        'Border0 is running.',
        `  API:        ${url}`,
        `  Portal:     ${url}/`,
        `  Reference:  ${url}/api/docs`,
        `  OpenAPI:    ${url}/api/openapi.json`,
        ...(server.metricsUrl ? [`  Metrics:    ${server.metricsUrl}/metrics`] : []),
        ...(dataPlane
          ? [`  Proxy:      ${dataPlane.proxyAddress} (with the built-in connector "local")`]
          : []),
        '',
      ];
      const first = server.bootstrap;
      const organization = first?.organization ?? ctx.readConfig().current_organization;
      if (dataPlane?.httpPort !== undefined) {
        const web = `http://${organization ? `web-${organization}` : '<socket>-<org>'}.localhost:${dataPlane.httpPort}/`;
        lines.splice(
          lines.length - 1,
          0,
          `  HTTP:       http://<socket>-<org>.localhost:${dataPlane.httpPort}/ (HTTP sockets, in a browser)`,
          `              e.g. the web socket below: ${web}`,
        );
      }
      if (first) {
        lines.push(
          `Admin token for organization ${first.organization} (${first.email}), shown this once:`,
          `  ${first.token}`,
          `  (also written to ${tokenFile}, readable only by you)`,
          `Password of ${first.email} (for border0 client login), shown this once:`,
          `  ${first.adminPassword}`,
          `  (also written to ${resolve(options.dataDir, 'admin-password')}, readable only by you)`,
        );
        const config = ctx.readConfig();
        // On a fresh machine, make the next commands just work.
        if (!config.current_organization) {
          ctx.writeConfig(
            withOrganization(config, first.organization, { token: first.token, api_url: url }, true),
          );
          lines.push(`The CLI is logged in to ${first.organization} (${configPath(ctx.configDir)}).`);
        }
      } else if (existsSync(tokenFile)) {
        lines.push(`The admin token of the first start is in ${tokenFile}.`);
      } else {
        lines.push('The admin token was printed on the first start of this database.');
      }
      const token = first ? first.token : existsSync(tokenFile) ? `$(cat ${tokenFile})` : '<token>';
      lines.push(
        '',
        'Next steps:',
        `  border0 login --token ${token} --api-url ${url}`,
        '  border0 socket create --name web --type http --upstream http://127.0.0.1:3000',
        '  border0 policy create --name web-for-me --allow http --email <your email> --org-wide',
        '',
        'Press Ctrl+C to stop.',
      );
      console.log(lines.join('\n'));

      const signal = await waitForSignal();
      console.error(`${signal}: stopping`);
      await dataPlane?.close();
      await server.close();
    });
}

/** The portal the build copied beside this file (cli/build.mjs), when there is one. */
function builtPortal(): string | undefined {
  const dir = fileURLToPath(new URL('./portal/', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}
