/** Child processes of the benchmarks: stopped whole (process groups), waited on with deadlines, never leaked. */
import type { ChildProcess } from 'node:child_process';

/** Kills a child started with `detached: true` together with everything it started. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM to each daemon, SIGKILL after 5 s; resolves once all have exited. */
export async function stopDaemons(daemons: ChildProcess[]): Promise<void> {
  await Promise.all(
    daemons.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** Polls `check` every 20 ms until it holds; fails after the deadline. */
export async function until(check: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A word for `sh -c`, quoted. */
export const quote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;
