/**
 * CI's smoke run of `pnpm bench`: every benchmark once, with tiny sizes, through the same runner; it passes
 * when each measurement was taken and reported, never on a time.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BENCHMARKS, type DayResults } from './run.js';

describe('pnpm bench --smoke', () => {
  it('runs every benchmark and reports every measurement', () => {
    const run = spawnSync(
      process.execPath,
      [
        fileURLToPath(import.meta.resolve('tsx/cli')),
        fileURLToPath(new URL('run.ts', import.meta.url)),
        '--smoke',
      ],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 850_000,
      },
    );
    const where = /smoke results in (\S+)/.exec(run.stdout)?.[1];
    expect(run.status, `${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`).toBe(0);
    expect(where).toBeDefined();
    const day = JSON.parse(readFileSync(where!, 'utf8')) as DayResults;
    expect(Object.keys(day.benchmarks).sort()).toEqual(Object.keys(BENCHMARKS).sort());
    for (const entry of Object.values(day.benchmarks)) {
      expect(entry.report.rows.length).toBeGreaterThan(0);
      expect(entry.report.ratios.length).toBeGreaterThan(0);
    }
  });
});
