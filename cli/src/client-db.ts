/**
 * `border0 client db <socket>`: a local listener for a database socket that takes plain connections from
 * any tool (psql, pgbench, drivers, GUI clients) with any or no password: the proxy knows the user by this
 * machine's client certificate and logs in to the database with the socket's credentials. With `--exec`, the
 * database's own client is started already connected, and the listener ends with it.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { clientCredentials } from './client-certificate.js';
import { listenThroughProxy, openThroughProxy, socketNameOf } from './client-tls.js';
import { contextOf } from './context.js';
import { CliError, UsageError } from './errors.js';
import { PROXY_OPTION_HELP, parseHostPort, proxyTargets, reachableProxy } from './proxy-discovery.js';
import { visible } from './terminal-text.js';

const CLIENTS: Record<string, 'postgres' | 'mysql'> = {
  psql: 'postgres',
  pgcli: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  mycli: 'mysql',
};

/** The arguments that connect `tool` to the listener. */
function connectArguments(
  tool: string,
  host: string,
  port: number,
  user: string,
  database: string | undefined,
): string[] {
  if (CLIENTS[tool] === 'postgres')
    return ['-h', host, '-p', String(port), '-U', user, ...(database ? ['-d', database] : [])];
  return ['-h', host, '-P', String(port), '-u', user, ...(database ? [database] : [])];
}

export function registerClientDbCommand(group: Command): void {
  group
    .command('db')
    .description(
      'Reach a database socket: a local listener for psql, mysql and any driver (no database password)',
    )
    .argument('<socket>', 'socket name, id or dnsname')
    .option('--listen <host:port>', 'listen here (default 127.0.0.1 on a free port)')
    .option('--exec <client>', 'start this client already connected: psql, pgcli, mysql, mariadb, mycli')
    .option('--proxy <host:port>', PROXY_OPTION_HELP)
    .argument('[args...]', 'more arguments for the --exec client (after --)')
    .action(
      async (
        socketRef: string,
        args: string[],
        options: { listen?: string; exec?: string; proxy?: string },
        command: Command,
      ) => {
        const ctx = contextOf(command);
        const client = ctx.client();
        if (options.exec !== undefined && !CLIENTS[options.exec]) {
          throw new UsageError(`--exec must be one of ${Object.keys(CLIENTS).join(', ')}`);
        }
        const org = await client.get('/api/v1/organizations/{organization}', {
          params: { path: { organization: 'current' } },
        });
        const socket = await client.get('/api/v1/sockets/{socket}', {
          params: { path: { socket: socketNameOf(socketRef, org.name) } },
        });
        const upstream = socket.upstream_configuration;
        if (upstream.type !== 'database')
          throw new CliError(
            `${visible(socket.name)} is a ${socket.socket_type} socket, not a database socket`,
          );
        if (options.exec && CLIENTS[options.exec] !== upstream.protocol) {
          throw new UsageError(`${options.exec} does not speak ${upstream.protocol}`);
        }
        const credentials = () => clientCredentials(client, ctx.configDir, org.name, ctx.identity());
        // Every connection of this listener goes to the same proxy: a cancel must reach the proxy of its session.
        const proxy = await reachableProxy(await proxyTargets(client, options.proxy));
        const server = await listenThroughProxy(
          options.listen ? parseHostPort(options.listen, '--listen') : { host: '127.0.0.1', port: 0 },
          () => credentials().then((current) => openThroughProxy(proxy, socket.dnsname, current)),
        );
        const { address: host, port } = server.address() as { address: string; port: number };
        const user = upstream.username ?? 'border0';
        const database = upstream.database;
        if (options.exec) {
          const child = spawn(
            options.exec,
            [...connectArguments(options.exec, host, port, user, database), ...args],
            { stdio: 'inherit' },
          );
          // Ctrl+C belongs to the client (psql cancels the running query with it).
          const ignore = () => {};
          process.on('SIGINT', ignore);
          const code = await new Promise<number>((resolve, reject) => {
            child.once('error', (error) =>
              reject(new CliError(`cannot start ${options.exec}: ${error.message}`)),
            );
            child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
          }).finally(() => {
            process.off('SIGINT', ignore);
            server.close();
          });
          process.exitCode = code;
          return;
        }
        const example =
          upstream.protocol === 'postgres'
            ? `psql "host=${host} port=${port} user=${user}${database ? ` dbname=${database}` : ''}"`
            : `mysql -h ${host} -P ${port} -u ${user}${database ? ` ${database}` : ''}`;
        console.error(
          `border0: ${visible(socket.dnsname)} is at ${host}:${port}; connect with: ${visible(example)} (Ctrl+C to stop)`,
        );
        await new Promise<void>((resolve) => {
          for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
        });
        server.close();
      },
    );
}
