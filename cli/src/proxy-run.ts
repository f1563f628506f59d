/** `border0 proxy start`: run a proxy against the platform's API (a proxy token, not an organization's). */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { contextOf } from './context.js';
import { UsageError } from './errors.js';
import { parsePort } from './options.js';

export function registerProxyCommands(program: Command): void {
  const group = program.command('proxy').description('Proxies: where users and connectors meet');
  group
    .command('start')
    .description('Run a proxy: the TLS listener for clients and for connector tunnels')
    .option(
      '--token <token>',
      'a proxy token (env BORDER0_PROXY_TOKEN; written to <data dir>/proxy-token at first start)',
    )
    .option(
      '--name <name>',
      'how the proxy registers',
      hostname()
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .slice(0, 63),
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8443')
    .option('--public-address <host:port>', 'where connectors and clients reach it (default host:port)')
    .option('--region <region>', 'where it runs')
    .option('--base-domain <domain>', 'sockets are <socket>-<org>.<domain>', 'localhost')
    .option(
      '--http-port <port>',
      'also serve HTTP sockets in plain HTTP on loopback at http://<socket>-<org>.localhost:<port>/',
    )
    .option('--login-url <url>', 'where browsers log in to HTTP sockets (default <API URL>/login)')
    .option(
      '--policy-max-age <seconds>',
      'how long cached policies may serve while the control plane is unreachable, before decisions and live ' +
        'sessions fail closed (env BORDER0_POLICY_MAX_AGE_SECONDS; default 60)',
    )
    .action(async (options: Record<string, string | undefined>, command: Command) => {
      const ctx = contextOf(command);
      // --token is also the program's global option: commander may hand it to either.
      const token =
        options.token ??
        command.optsWithGlobals<{ token?: string }>().token ??
        process.env.BORDER0_PROXY_TOKEN;
      if (!token) throw new UsageError('give the proxy token: --token or BORDER0_PROXY_TOKEN');
      const [{ startProxy }, { parseCountryOverrides }, { pino }] = await Promise.all([
        import('@border0/proxies'),
        import('@border0/geoip'),
        import('pino'),
      ]);
      const log = pino(
        { name: 'border0-proxy', level: process.env.BORDER0_LOG_LEVEL ?? 'info' },
        pino.destination(2),
      );
      const maxAge = options.policyMaxAge ?? process.env.BORDER0_POLICY_MAX_AGE_SECONDS;
      const policyMaxAgeSeconds = maxAge === undefined || maxAge === '' ? undefined : Number(maxAge);
      if (policyMaxAgeSeconds !== undefined && !(policyMaxAgeSeconds > 0 && policyMaxAgeSeconds <= 86_400)) {
        throw new UsageError(`--policy-max-age must be a number of seconds up to 86400, not ${maxAge}`);
      }
      const proxy = await startProxy({
        apiUrl: ctx.settings.apiUrl,
        token,
        name: options.name!,
        host: options.host,
        port: parsePort(options.port!, '--port'),
        publicAddress: options.publicAddress,
        region: options.region,
        baseDomain: options.baseDomain,
        ...(options.httpPort !== undefined && {
          httpLoopbackPort: parsePort(options.httpPort, '--http-port'),
        }),
        ...(options.loginUrl !== undefined && { loginPage: options.loginUrl }),
        ...(policyMaxAgeSeconds !== undefined && { policyMaxAgeMs: policyMaxAgeSeconds * 1000 }),
        geoipDatabase: process.env.BORDER0_GEOIP_DATABASE,
        geoipOverrides: parseCountryOverrides(process.env.BORDER0_GEOIP_OVERRIDES),
        log,
      });
      console.log(`proxy ${options.name} listening at ${proxy.address}`);
      if (proxy.httpLoopbackPort !== undefined) {
        console.log(`HTTP sockets on loopback at http://<socket>-<org>.localhost:${proxy.httpLoopbackPort}/`);
      }
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      await proxy.close();
    });
}
