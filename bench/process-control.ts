/** Child processes of the benchmarks: stopped whole (process groups), never leaked; quoted for a shell. */
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

/** A word for `sh -c`, quoted. */
export const quote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;
