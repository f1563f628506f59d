/**
 * `border0 policy test`: may this person or service account do this on that socket, from this address, at
 * this time? Asks the API's access check (every applying policy), or with --policy that one policy alone.
 */
import type { Command } from 'commander';
import { ACTIONS, type ActionFlags, formatDecision, parseAction } from './access-check.js';
import { contextOf } from './context.js';
import { UsageError } from './errors.js';
import { parseTime } from './options.js';
import { printJson } from './output.js';

interface TestOptions extends ActionFlags {
  socket: string;
  email?: string;
  serviceAccount?: string;
  ip?: string;
  time?: string;
  policy?: string;
}

function identityOf(options: TestOptions) {
  if ((options.email === undefined) === (options.serviceAccount === undefined)) {
    throw new UsageError('give --email or --service-account (one of them)');
  }
  return options.email !== undefined
    ? { email: options.email }
    : { service_account: options.serviceAccount as string };
}

export function registerPolicyTestCommand(group: Command): void {
  group
    .command('test')
    .description(
      'What-if: would this identity be allowed on a socket? e.g. --socket web --email alice@acme.dev --ip 203.0.113.7',
    )
    .requiredOption('--socket <socket>', 'the socket, by name or id')
    .option('--email <address>', 'a person (their groups count)')
    .option('--service-account <name>', 'a service account, instead of --email')
    .option('--ip <address>', 'the client address (policies with allowed IPs or countries need it)')
    .option('--time <when>', 'when: 2026-11-26T10:00:00Z, or a duration ago such as 2h (default now)')
    .option('--action <action>', `${ACTIONS} (default: a session on the socket's type)`)
    .option('--command <command>', 'the command, for ssh:exec')
    .option('--to <host:port>', 'the destination, for ssh:forward')
    .option('--login <name>', 'the ssh login name')
    .option('--database <name>', 'the database, for database actions')
    .option('--policy <policy>', 'test this one policy alone, as if it applied to the socket')
    .action(async (options: TestOptions, command: Command) => {
      const ctx = contextOf(command);
      const identity = identityOf(options);
      const time = options.time === undefined ? undefined : parseTime(options.time, '--time');
      // Checked before any call, so a wrong command line fails as a usage error even when logged out.
      const given = options.action === undefined ? undefined : parseAction(options);
      const client = ctx.client();
      const action =
        given ??
        parseAction(
          options,
          (await client.get('/api/v1/sockets/{socket}', { params: { path: { socket: options.socket } } }))
            .socket_type,
        );
      const body = {
        socket: options.socket,
        identity,
        action,
        ...(options.ip !== undefined && { ip: options.ip }),
        ...(time !== undefined && { time }),
      };
      const decision =
        options.policy === undefined
          ? await client.post('/api/v1/access/check', { body })
          : await client.post('/api/v1/policies/{policy}/test', {
              params: { path: { policy: options.policy } },
              body,
            });
      // Denied is an answer, not a failure: the exit code stays 0 either way.
      if (ctx.output === 'json') printJson(decision);
      else console.log(formatDecision(decision, options.policy));
    });
}
