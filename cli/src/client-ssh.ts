/**
 * `border0 client ssh` and `border0 client ssh-config`: the real OpenSSH client reaches ssh sockets through
 * the proxy, with `border0 client tls` as its ProxyCommand (mTLS with this machine's client certificate).
 *
 * Host keys: the proxy is authenticated by its TLS certificate (the platform CA) inside the ProxyCommand,
 * and the upstream's host key is checked by the proxy (trust on first use, kept on the socket). The SSH host
 * key the proxy shows adds nothing to that and changes with every proxy process, so known_hosts is not used.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants, homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { socketNameOf } from './client-tls.js';
import { type Context, contextOf } from './context.js';
import { CliError } from './errors.js';
import { printDone } from './output.js';
import { PROXY_OPTION_HELP } from './proxy-discovery.js';

/** A word for sh (OpenSSH runs ProxyCommand with the user's shell), with ssh's % tokens escaped. */
const quote = (word: string) => `'${word.replaceAll("'", `'\\''`).replaceAll('%', '%%')}'`;

/** The command that starts this very CLI again, for ProxyCommand (which ssh runs as `exec <command>`). */
function border0Command(ctx: Context, proxy: string | undefined): string {
  const parts = [
    'env',
    `BORDER0_CONFIG_DIR=${quote(ctx.configDir)}`,
    quote(process.execPath),
    ...process.execArgv.map(quote),
    quote(process.argv[1]!),
    'client',
    'tls',
    ...(proxy ? ['--proxy', quote(proxy)] : []),
    // Quoted: ssh expands %h before the shell sees it, and a hostname is not to be trusted with the shell.
    "'%h'",
  ];
  return parts.join(' ');
}

/** The `-o` options that make ssh go through the proxy. */
function sshOptions(ctx: Context, proxy: string | undefined): string[] {
  return [
    `ProxyCommand=${border0Command(ctx, proxy)}`,
    'UserKnownHostsFile=/dev/null',
    'StrictHostKeyChecking=no',
    'LogLevel=ERROR',
    'ServerAliveInterval=30',
  ];
}

async function currentOrganization(ctx: Context) {
  return ctx.client().get('/api/v1/organizations/{organization}', {
    params: { path: { organization: 'current' } },
  });
}

export function registerClientSshCommands(group: Command): void {
  group
    .command('ssh')
    .description(
      'Log in to an ssh socket with OpenSSH: interactive, or run one command and exit with its code',
    )
    .argument('<target>', '[user@]socket (name or dnsname)')
    .argument('[command...]', 'a command to run instead of a shell')
    .option('--proxy <host:port>', PROXY_OPTION_HELP)
    .allowUnknownOption(false)
    .action(async (target: string, words: string[], options: { proxy?: string }, command: Command) => {
      const ctx = contextOf(command);
      const org = await currentOrganization(ctx);
      const at = target.lastIndexOf('@');
      const user = at > 0 ? target.slice(0, at) : undefined;
      const name = socketNameOf(at > 0 ? target.slice(at + 1) : target, org.name);
      const socket = await ctx
        .client()
        .get('/api/v1/sockets/{socket}', { params: { path: { socket: name } } });
      if (socket.socket_type !== 'ssh')
        throw new CliError(`${socket.name} is a ${socket.socket_type} socket, not ssh`);
      const args = [
        ...sshOptions(ctx, options.proxy ?? process.env.BORDER0_PROXY).flatMap((o) => ['-o', o]),
        ...(user ? ['-l', user] : []),
        ...(words.length === 0 && process.stdin.isTTY ? ['-t'] : []),
        socket.dnsname,
        ...(words.length > 0 ? ['--', ...words] : []),
      ];
      const child = spawn('ssh', args, { stdio: 'inherit' });
      const code = await new Promise<number>((resolve, reject) => {
        child.once('error', (error: NodeJS.ErrnoException) =>
          reject(
            new CliError(
              error.code === 'ENOENT'
                ? 'ssh is not installed (OpenSSH client)'
                : `cannot run ssh: ${error.message}`,
            ),
          ),
        );
        // As a shell reports it: 128 + the signal's number.
        child.once('exit', (status, signal) =>
          resolve(status ?? (signal ? 128 + (constants.signals[signal] ?? 15) : 1)),
        );
      });
      process.exitCode = code;
    });

  group
    .command('ssh-config')
    .description(
      'Write an ssh config file so that plain ssh, scp and sftp reach this organization’s ssh sockets',
    )
    .option('--proxy <host:port>', PROXY_OPTION_HELP)
    .option('--install', 'also add an Include line for it to ~/.ssh/config')
    .action(async (options: { proxy?: string; install?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const org = await currentOrganization(ctx);
      const file = join(ctx.configDir, 'ssh', `${org.name}.conf`);
      const lines = [
        `# Written by border0 client ssh-config for the organization ${org.name}; run it again to refresh.`,
        '# The proxy is authenticated by its TLS certificate inside ProxyCommand; see border0 client ssh --help.',
        `Host *-${org.domain}`,
        ...sshOptions(ctx, options.proxy ?? process.env.BORDER0_PROXY).map((option) => {
          const eq = option.indexOf('=');
          return `  ${option.slice(0, eq)} ${option.slice(eq + 1)}`;
        }),
        '',
      ];
      mkdirSync(join(ctx.configDir, 'ssh'), { recursive: true, mode: 0o700 });
      writeFileSync(file, lines.join('\n'), { mode: 0o600 });
      let installed = false;
      if (options.install) installed = installInclude(file);
      printDone(
        ctx,
        options.install
          ? `wrote ${file}${installed ? ' and included it from ~/.ssh/config' : ' (already included from ~/.ssh/config)'}`
          : `wrote ${file}; add this line at the top of ~/.ssh/config:\nInclude ${file}`,
        { file, host_pattern: `*-${org.domain}`, installed },
      );
    });
}

/** Puts `Include file` first in ~/.ssh/config (Include applies to what follows it); false if it was there. */
function installInclude(file: string): boolean {
  const dir = join(homedir(), '.ssh');
  const config = join(dir, 'config');
  let text = '';
  try {
    text = readFileSync(config, 'utf8');
  } catch {}
  const line = `Include ${file}`;
  if (text.split('\n').some((l) => l.trim() === line)) return false;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(config, `${line}\n${text}`, { mode: 0o600 });
  return true;
}
