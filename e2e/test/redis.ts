/** The real redis-server behind the TLS sockets of the end-to-end tests, reached through border0 listeners. */
import { execFile } from 'node:child_process';
import { Socket } from 'node:net';
import { promisify } from 'node:util';
import { eventually } from '@border0/testing';

const run = promisify(execFile);

export async function redisPing(port: number): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], {
    timeout: 10_000,
  });
  return stdout.trim();
}

/** Waits until redis answers PING through `port`. */
export function untilPong(port: number, deadlineMs: number): Promise<string> {
  return eventually(
    () => redisPing(port),
    (reply) => reply === 'PONG',
    deadlineMs,
  );
}

/**
 * A redis connection through `port` that has been answered once, so its session is live. `msUntilClosed()`
 * starts a clock and resolves with how long the connection then took to be closed (by the proxy).
 */
export async function liveRedisConnection(port: number): Promise<{ msUntilClosed(): Promise<number> }> {
  const socket = new Socket();
  let closedAt = 0;
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closedAt = Date.now();
      resolve();
    }),
  );
  await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
  socket.write('PING\r\n');
  await new Promise((resolve) => socket.once('data', resolve));
  return {
    msUntilClosed() {
      const started = Date.now();
      return closed.then(() => closedAt - started);
    },
  };
}
