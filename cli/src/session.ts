/** `border0 session`: who connected to which socket, when, from where, and with what result. */
import type { Schema } from '@border0/sdk';
import { type Command, Option } from 'commander';
import { contextOf } from './context.js';
import { HTTP_LOG_COLUMNS, httpLogLines } from './http-log-view.js';
import { parseTime } from './options.js';
import { type Column, collect, printItem, printList, tableOf } from './output.js';
import { queryLogLines, timelineLine } from './query-log-view.js';
import { linesOf, registerSessionReplayCommand } from './session-replay.js';

type Session = Schema<'Session'>;

const userOf = (s: Session) => s.user.email ?? (s.user.service_account && `sa:${s.user.service_account}`);
const clientOf = (s: Session) =>
  s.client_ip &&
  `${s.client_ip}${s.client_port ? `:${s.client_port}` : ''}${s.country ? ` (${s.country})` : ''}`;

const COLUMNS: Column<Session>[] = [
  ['ID', (s) => s.id],
  ['STARTED', (s) => s.started_at],
  ['SOCKET', (s) => s.socket_name],
  ['USER', userOf],
  ['CLIENT', clientOf],
  ['RESULT', (s) => (s.live ? `${s.result} (live)` : s.result)],
  ['IN/OUT', (s) => `${s.bytes_in}/${s.bytes_out}`],
];

const FIELDS: Column<Session>[] = [
  ['id', (s) => s.id],
  ['socket', (s) => s.socket_name],
  ['user', userOf],
  ['client', clientOf],
  ['started', (s) => s.started_at],
  ['last seen', (s) => s.last_seen_at],
  ['ended', (s) => (s.live ? 'live' : s.ended_at)],
  ['result', (s) => s.result],
  ['reason', (s) => s.reason],
  ['bytes in', (s) => s.bytes_in],
  ['bytes out', (s) => s.bytes_out],
  ['terminate requested', (s) => s.terminate_requested_at],
];

interface ListOptions {
  socket?: string;
  user?: string;
  from?: string;
  to?: string;
  result?: Session['result'];
  live?: boolean;
}

export function registerSessionCommands(program: Command): void {
  const group = program
    .command('session')
    .description('Sessions: connections of people and services to sockets');

  group
    .command('ls')
    .description('List sessions, newest first')
    .option('--socket <socket>', 'only sessions of this socket (name or id)')
    .option('--user <email-or-name>', 'only sessions of this person or service account')
    .option('--from <time>', 'started at or after: a date, or a duration ago such as 24h')
    .option('--to <time>', 'started at or before: a date, or a duration ago')
    .addOption(
      new Option('--result <result>', 'only this result').choices([
        'allowed',
        'denied',
        'terminated',
        'failed',
      ]),
    )
    .option('--live', 'only sessions still open')
    .action(async (options: ListOptions, command: Command) => {
      const ctx = contextOf(command);
      const query = {
        ...(options.socket && { socket: options.socket }),
        ...(options.user && { user: options.user }),
        ...(options.from && { from: parseTime(options.from, '--from') }),
        ...(options.to && { to: parseTime(options.to, '--to') }),
        ...(options.result && { result: options.result }),
        ...(options.live && { live: 'true' as const }),
      };
      await printList(ctx, ctx.client().paginate('/api/v1/sessions', { params: { query } }), COLUMNS);
    });

  group
    .command('show <id>')
    .description('Show a session and its recordings')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const client = ctx.client();
      const path = { session_id: id };
      const session = await client.get('/api/v1/sessions/{session_id}', { params: { path } });
      printItem(ctx, session, FIELDS);
      if (ctx.output === 'json') return;
      const recordings = await collect(
        client.paginate('/api/v1/sessions/{session_id}/recordings', { params: { path } }),
      );
      if (recordings.length === 0) return;
      console.log(
        `\nrecordings:\n${tableOf(recordings, [
          ['ID', (r) => r.id],
          ['FORMAT', (r) => r.format],
          ['STARTED', (r) => r.started_at],
          ['ENDED', (r) => r.ended_at],
          ['BYTES', (r) => r.size_bytes],
        ])}`,
      );
      for (const recording of recordings.filter((r) => r.format === 'query-log')) {
        const { data } = await client.raw.GET('/api/v1/sessions/{session_id}/recordings/{recording_id}', {
          params: { path: { ...path, recording_id: recording.id } },
          parseAs: 'stream',
        });
        if (!data) continue;
        console.log('\nstatements:');
        for await (const line of queryLogLines(linesOf(data as unknown as ReadableStream<Uint8Array>))) {
          console.log(timelineLine(line));
        }
      }
      for (const recording of recordings.filter((r) => r.format === 'http-log')) {
        const { data } = await client.raw.GET('/api/v1/sessions/{session_id}/recordings/{recording_id}', {
          params: { path: { ...path, recording_id: recording.id } },
          parseAs: 'stream',
        });
        if (!data) continue;
        const requests = await collect(httpLogLines(linesOf(data as unknown as ReadableStream<Uint8Array>)));
        console.log(`
requests:
${tableOf(requests, HTTP_LOG_COLUMNS)}`);
      }
    });

  registerSessionReplayCommand(group);

  group
    .command('terminate <id>')
    .description('End a live session (its proxy closes the connection)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const session = await ctx.client().post('/api/v1/sessions/{session_id}/terminate', {
        params: { path: { session_id: id } },
      });
      printItem(ctx, session, FIELDS);
    });
}
