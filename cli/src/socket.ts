/** `border0 socket`: list, show, create, update and delete sockets (published services). */
import { readFileSync } from 'node:fs';
import type { Border0Client, Schema } from '@border0/sdk';
import { type Command, Option } from 'commander';
import { registerSocketConnectCommand } from './connector-run.js';
import { type Context, contextOf } from './context.js';
import { CliError, UsageError } from './errors.js';
import { isId, parseKeyValues, repeatable } from './options.js';
import { type Column, printDone, printItem, printList } from './output.js';
import {
  type Credentials,
  formatUpstream,
  hasCredentials,
  moveUpstream,
  parseUpstreamUrl,
  type SocketType,
  toInput,
  type UpstreamInput,
  withCredentials,
} from './upstream-url.js';

type Socket = Schema<'Socket'>;

const SOCKET_TYPES = ['http', 'ssh', 'database', 'tls'];

const COLUMNS: Column<Socket>[] = [
  ['NAME', (s) => s.name],
  ['TYPE', (s) => s.socket_type],
  ['DNSNAME', (s) => s.dnsname],
  ['UPSTREAM', (s) => formatUpstream(s.upstream_configuration)],
  ['TAGS', (s) => s.tags],
];

const FIELDS: Column<Socket>[] = [
  ['id', (s) => s.id],
  ['name', (s) => s.name],
  ['display name', (s) => s.display_name],
  ['description', (s) => s.description],
  ['type', (s) => s.socket_type],
  ['dnsname', (s) => s.dnsname],
  ['upstream', (s) => formatUpstream(s.upstream_configuration)],
  ['authentication', (s) => authenticationOf(s.upstream_configuration)],
  ['tags', (s) => s.tags],
  ['recording', (s) => (s.recording_enabled ? (s.recording_input_enabled ? 'on, with input' : 'on') : 'off')],
  ['connectors', (s) => s.connector_ids],
  ['created', (s) => s.created_at],
  ['updated', (s) => s.updated_at],
];

function authenticationOf(upstream: Socket['upstream_configuration']): string | undefined {
  if (upstream.type !== 'ssh' && upstream.type !== 'database') return undefined;
  const stored = [
    upstream.password_set && 'password stored',
    upstream.type === 'ssh' && upstream.private_key_set && 'private key stored',
  ].filter(Boolean);
  return [upstream.authentication_type, ...stored].join(', ');
}

interface SocketOptions {
  name?: string;
  type?: SocketType;
  upstream?: string;
  tag?: string[];
  description?: string;
  displayName?: string;
  recording?: boolean;
  recordInput?: boolean;
  connector?: string[];
  auth?: string;
  username?: string;
  passwordEnv?: string;
  passwordFile?: string;
  privateKeyFile?: string;
  tls?: 'full' | 'ca' | 'none';
  caFile?: string;
  clientCertificateFile?: string;
}

/** The flags create and update share. */
function withSocketFlags(command: Command): Command {
  return command
    .option('--tag <key=value>', 'a tag (repeatable); on update, replaces all tags', repeatable)
    .option('--description <text>', 'what the socket is for')
    .option('--display-name <text>', 'a human name')
    .option('--recording', 'record sessions')
    .option('--no-recording', 'do not record sessions')
    .option('--record-input', 'ssh: also record what clients type, passwords at prompts included')
    .option('--no-record-input', 'ssh: record only what the terminal prints (the default)')
    .option('--connector <id-or-name>', 'a connector serving the socket (repeatable)', repeatable)
    .option(
      '--auth <type>',
      'upstream authentication type (ssh: username_and_password, private_key, border0_certificate; database: username_and_password, tls, no_auth)',
    )
    .option('--username <name>', 'upstream user name')
    .option(
      '--password-env <NAME>',
      'the connector reads the upstream password from this environment variable',
    )
    .option('--password-file <path>', 'read the upstream password from this file')
    .option(
      '--private-key-file <path>',
      'read the upstream private key from this file (ssh; database: the key of --client-certificate-file)',
    )
    .addOption(
      new Option(
        '--tls <verify>',
        'database, and http with an https upstream: TLS to the upstream, verified fully, by CA only, or not',
      ).choices(['full', 'ca', 'none']),
    )
    .option(
      '--ca-file <path>',
      'database, https upstream: the CA certificate (PEM) the upstream’s certificate must chain to',
    )
    .option('--client-certificate-file <path>', 'database: a client certificate (PEM) to log in with');
}

function readSecretFile(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

/** Secrets come from the environment (as a reference) or from files, never from the command line itself. */
function credentialsOf(options: SocketOptions): Credentials {
  if (options.passwordEnv !== undefined && options.passwordFile !== undefined) {
    throw new UsageError('give --password-env or --password-file, not both');
  }
  if (options.passwordEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.passwordEnv)) {
    throw new UsageError(
      `--password-env expects an environment variable name, got ${JSON.stringify(options.passwordEnv)}`,
    );
  }
  const password =
    options.passwordEnv !== undefined
      ? `\${from:env:${options.passwordEnv}}`
      : options.passwordFile !== undefined
        ? readSecretFile(options.passwordFile, '--password-file').replace(/\r?\n$/, '')
        : undefined;
  if (password === '') throw new UsageError(`--password-file ${options.passwordFile} is empty`);
  return {
    auth: options.auth,
    username: options.username,
    password,
    privateKey: options.privateKeyFile && readSecretFile(options.privateKeyFile, '--private-key-file'),
    tls:
      options.tls || options.caFile || options.clientCertificateFile
        ? {
            ...(options.tls && { verify: options.tls }),
            ...(options.caFile && { caCertificate: readSecretFile(options.caFile, '--ca-file') }),
            ...(options.clientCertificateFile && {
              clientCertificate: readSecretFile(options.clientCertificateFile, '--client-certificate-file'),
            }),
          }
        : undefined,
  };
}

/** Connectors by id or name; names are looked up, since the API stores ids. */
async function connectorIds(
  client: Border0Client,
  refs: string[] | undefined,
): Promise<string[] | undefined> {
  if (!refs) return undefined;
  return Promise.all(
    refs.map(async (ref) =>
      isId(ref)
        ? ref
        : (await client.get('/api/v1/connectors/{connector}', { params: { path: { connector: ref } } })).id,
    ),
  );
}

/** The fields every socket body shares, from the flags that were given. */
async function commonFields(ctx: Context, options: SocketOptions) {
  const connector_ids = await connectorIds(ctx.client(), options.connector);
  return {
    ...(options.tag && { tags: parseKeyValues(options.tag, '--tag') }),
    ...(options.description !== undefined && { description: options.description }),
    ...(options.displayName !== undefined && { display_name: options.displayName }),
    ...(options.recording !== undefined && { recording_enabled: options.recording }),
    ...(options.recordInput !== undefined && { recording_input_enabled: options.recordInput }),
    ...(connector_ids && { connector_ids }),
  };
}

export function registerSocketCommands(program: Command): void {
  const group = program.command('socket').description('Sockets: the services you publish');
  registerSocketConnectCommand(group);

  group
    .command('ls')
    .description('List sockets')
    .addOption(new Option('--type <type>', 'only sockets of this type').choices(SOCKET_TYPES))
    .option('--tag <key=value>', 'only sockets with this tag (repeatable: all must match)', repeatable)
    .option('--search <text>', 'only sockets whose name, display name or description contains this')
    .action(async (options: { type?: SocketType; tag?: string[]; search?: string }, command: Command) => {
      const ctx = contextOf(command);
      const tags = options.tag && parseKeyValues(options.tag, '--tag');
      const query = {
        ...(options.type && { socket_type: options.type }),
        ...(tags && {
          tag: Object.entries(tags)
            .map(([k, v]) => `${k}:${v}`)
            .join(','),
        }),
        ...(options.search && { search: options.search }),
      };
      await printList(ctx, ctx.client().paginate('/api/v1/sockets', { params: { query } }), COLUMNS);
    });

  group
    .command('show <socket>')
    .description('Show a socket (by name or id)')
    .action(async (socket: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      printItem(
        ctx,
        await ctx.client().get('/api/v1/sockets/{socket}', { params: { path: { socket } } }),
        FIELDS,
      );
    });

  withSocketFlags(
    group
      .command('create')
      .description('Create a socket, e.g. --name web --type http --upstream http://127.0.0.1:3000')
      .requiredOption('--name <name>', 'a DNS label: lowercase letters, digits, hyphens')
      .addOption(new Option('--type <type>', 'the socket type').choices(SOCKET_TYPES).makeOptionMandatory())
      .requiredOption(
        '--upstream <url>',
        'http(s)://host:port, ssh://[user@]host[:port], postgres|mysql://[user@]host[:port][/db], host:port (tls)',
      ),
  ).action(
    async (
      options: SocketOptions & { name: string; type: SocketType; upstream: string },
      command: Command,
    ) => {
      const ctx = contextOf(command);
      const upstream = withCredentials(
        parseUpstreamUrl(options.type, options.upstream),
        credentialsOf(options),
      );
      const created = await ctx.client().post('/api/v1/sockets', {
        body: {
          name: options.name,
          socket_type: options.type,
          upstream_configuration: upstream,
          ...(await commonFields(ctx, options)),
        },
      });
      printItem(ctx, created, FIELDS);
    },
  );

  withSocketFlags(
    group
      .command('update <socket>')
      .description('Change a socket; only the flags given change')
      .option('--name <name>', 'a new name')
      .option('--upstream <url>', 'a new upstream, of the socket’s type'),
  ).action(async (socket: string, options: SocketOptions, command: Command) => {
    const ctx = contextOf(command);
    const client = ctx.client();
    const credentials = credentialsOf(options);
    let upstream: UpstreamInput | undefined;
    if (options.upstream !== undefined || hasCredentials(credentials)) {
      // The API takes a whole upstream: start from the stored one (its secrets stay on the server).
      const current = await client.get('/api/v1/sockets/{socket}', { params: { path: { socket } } });
      const stored = toInput(current.upstream_configuration);
      const base = options.upstream
        ? moveUpstream(stored, parseUpstreamUrl(current.socket_type, options.upstream))
        : stored;
      upstream = withCredentials(base, credentials);
    }
    const body = {
      ...(options.name !== undefined && { name: options.name }),
      ...(upstream && { upstream_configuration: upstream }),
      ...(await commonFields(ctx, options)),
    };
    if (Object.keys(body).length === 0) throw new UsageError('nothing to change: give at least one flag');
    printItem(
      ctx,
      await client.patch('/api/v1/sockets/{socket}', { params: { path: { socket } }, body }),
      FIELDS,
    );
  });

  group
    .command('delete <socket>')
    .alias('rm')
    .description('Delete a socket')
    .action(async (socket: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().delete('/api/v1/sockets/{socket}', { params: { path: { socket } } });
      printDone(ctx, `deleted socket ${socket}`, { deleted: 'socket', socket });
    });

  group
    .command('policies <socket>')
    .description('List the policies that apply to a socket, and why (org-wide, attached, tag rule)')
    .action(async (socket: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { items } = await ctx
        .client()
        .get('/api/v1/sockets/{socket}/effective-policies', { params: { path: { socket } } });
      await printList(ctx, items, [
        ['NAME', (p) => p.policy.name],
        ['VIA', (p) => p.via.replace('_', '-')],
        ['TAG-RULE', (p) => p.tag_rule],
      ]);
    });
}
