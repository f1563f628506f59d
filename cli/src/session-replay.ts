/**
 * `border0 session replay <id>`: plays a session's terminal recording (asciicast v2) in this terminal, or
 * a database session's query log as a timeline of statements, at its real pace, faster, or all at once; `--follow` plays a live session as it happens. The cast is read as a
 * stream, line by line, so a long recording starts at once and never sits whole in memory. What it writes
 * goes through the screen filter (screen-filter.ts) unless `--raw` is given: a recording is text that
 * someone else chose, and must not reach the admin's clipboard, window title or keyboard.
 */
import type { Border0Client } from '@border0/sdk';
import type { Command } from 'commander';
import { contextOf } from './context.js';
import { CliError, UsageError } from './errors.js';
import { playQueryLog, queryLogLines } from './query-log-view.js';
import { ScreenFilter } from './screen-filter.js';

export interface ReplayOptions {
  /** Playback speed: 2 is twice as fast. */
  speed: number;
  /** Pauses longer than this (seconds) are shortened to it, as asciinema's idle_time_limit. */
  maxIdle: number;
  /** No waiting at all: print the final output at once. */
  toEnd: boolean;
}

/** Plays cast lines as they come: waits between output events as the options say, and writes their data. */
export async function playCast(
  lines: AsyncIterable<string>,
  write: (data: string) => void,
  options: ReplayOptions,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<void> {
  let header = true;
  let previous = 0;
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new CliError(`the recording is damaged at line ${number}`);
    }
    if (header) {
      header = false;
      if ((value as { version?: unknown }).version !== 2) throw new CliError('not an asciicast v2 recording');
      continue;
    }
    if (!Array.isArray(value) || typeof value[0] !== 'number' || typeof value[2] !== 'string') continue;
    const [time, code, data] = value as [number, string, string];
    if (code !== 'o') continue;
    if (!options.toEnd) {
      const pause = Math.min(Math.max(time - previous, 0), options.maxIdle) / options.speed;
      if (pause > 0.001) await sleep(pause * 1000);
    }
    previous = time;
    write(data);
  }
}

/** Splits a byte stream into lines (UTF-8 safe across chunks). */
export async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    let end = rest.indexOf('\n');
    while (end !== -1) {
      yield rest.slice(0, end);
      rest = rest.slice(end + 1);
      end = rest.indexOf('\n');
    }
  }
  rest += decoder.decode();
  if (rest) yield rest;
}

type Replayable = { id: string; format: 'asciicast-v2' | 'query-log' };

/**
 * The recording to play: the one named, else the session's first terminal recording, else its query log;
 * with `follow`, waits for one while the session is live.
 */
async function replayableRecording(
  client: Border0Client,
  sessionId: string,
  follow: boolean,
  named?: string,
): Promise<Replayable> {
  const path = { session_id: sessionId };
  for (;;) {
    const recordings = [];
    for await (const recording of client.paginate('/api/v1/sessions/{session_id}/recordings', {
      params: { path },
    })) {
      recordings.push(recording);
    }
    const found =
      named !== undefined
        ? recordings.find((r) => r.id === named)
        : (recordings.find((r) => r.format === 'asciicast-v2') ??
          recordings.find((r) => r.format === 'query-log'));
    if (found?.format === 'asciicast-v2' || found?.format === 'query-log')
      return { id: found.id, format: found.format };
    if (found) throw new CliError(`recordings of format ${found.format} cannot be replayed`);
    const session = await client.get('/api/v1/sessions/{session_id}', { params: { path } });
    if (named !== undefined) throw new CliError(`session ${sessionId} has no recording ${named}`);
    if (!follow || !session.live)
      throw new CliError(`session ${sessionId} has no terminal recording or query log`);
    // A live session records once its first shell, command or statement starts.
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export function registerSessionReplayCommand(group: Command): void {
  group
    .command('replay <id>')
    .description(
      'Play a session’s terminal recording or query log: real pace, --speed N, --to-end, or --follow it live',
    )
    .option('--recording <id>', 'which recording (default: the terminal recording, else the query log)')
    .option('--speed <n>', 'playback speed (2 = twice as fast)', '1')
    .option('--max-idle <seconds>', 'shorten longer pauses to this', '2')
    .option('--to-end', 'print the whole recording at once')
    .option('--follow', 'keep playing while the session is live')
    .option('--raw', 'write the recorded bytes as they are, terminal control sequences included')
    .action(async (id: string, options: Record<string, string | boolean | undefined>, command: Command) => {
      const speed = Number(options.speed);
      const maxIdle = Number(options.maxIdle);
      if (!(speed > 0) || !(maxIdle >= 0)) throw new UsageError('--speed must be > 0 and --max-idle >= 0');
      const client = contextOf(command).client();
      const recording = await replayableRecording(
        client,
        id,
        options.follow === true,
        options.recording as string | undefined,
      );
      const path = { session_id: id, recording_id: recording.id };
      const { data } = await client.raw.GET('/api/v1/sessions/{session_id}/recordings/{recording_id}', {
        params: { path, query: options.follow ? { follow: 'true' } : {} },
        parseAs: 'stream',
      });
      if (!data) throw new CliError('the recording is empty');
      const lines = linesOf(data as unknown as ReadableStream<Uint8Array>);
      const pace = { speed, maxIdle, toEnd: options.toEnd === true };
      if (recording.format === 'query-log') {
        await playQueryLog(queryLogLines(lines), (text) => process.stdout.write(text), pace);
        return;
      }
      const filter = options.raw === true ? undefined : new ScreenFilter();
      await playCast(lines, (text) => process.stdout.write(filter ? filter.push(text) : text), pace);
      if (filter) process.stdout.write(filter.end());
    });
}
