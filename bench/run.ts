/**
 * `pnpm bench [name ...] [--smoke]`: runs the benchmarks (all, or those named), each in its own process that
 * starts what it needs, and keeps what they report:
 *
 *   bench/results/<date>.json   every figure of the day's runs (a later run of a benchmark replaces its entry)
 *   docs/benchmarks.md          the section between the "pnpm bench" markers, rewritten from that file
 *
 * `--smoke` runs each once with tiny sizes and only checks that every measurement was taken (CI does this:
 * never a time); it writes nothing but a file in the system's temporary directory.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderResults } from './render-results.js';
import { type BenchReport, RESULT_MARKER } from './report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const TSX = fileURLToPath(import.meta.resolve('tsx/cli'));

interface Benchmark {
  script: string;
  /** Arguments of a full run (the defaults of the script where empty). */
  full: string[];
  /** Tiny sizes, one iteration: proves the benchmark runs. */
  smoke: string[];
}

export const BENCHMARKS: Record<string, Benchmark> = {
  tcp: { script: 'tcp.ts', full: [], smoke: ['--seconds', '1', '--runs', '1', '--connects', '3'] },
  ssh: {
    script: 'ssh.ts',
    full: ['--mb', '1024'],
    smoke: ['--mb', '2', '--runs', '1', '--keys', '5', '--setups', '1'],
  },
  'idle-sessions': {
    script: 'idle-sessions.ts',
    full: [],
    smoke: ['--sessions', '10,20', '--concurrency', '4'],
  },
  'policy-decisions': {
    script: 'policy-decisions.ts',
    full: [],
    smoke: ['--seconds', '1', '--rounds', '1', '--sizes', '1,100'],
  },
  // pgbench's 16 clients each log in first: one second may end before any transaction on a busy machine.
  postgres: { script: 'postgres.ts', full: [], smoke: ['--seconds', '2', '--runs', '1'] },
  http: { script: 'http.ts', full: [], smoke: ['--seconds', '1', '--runs', '1'] },
};

interface Entry {
  report: BenchReport;
  arguments: string[];
  started: string;
  seconds: number;
}

export interface DayResults {
  date: string;
  machine: Record<string, unknown>;
  benchmarks: Record<string, Entry>;
}

function machine(): Record<string, unknown> {
  const cores = cpus();
  return {
    cores: cores.length,
    cpu: cores[0]?.model ?? 'unknown',
    memory_gib: Math.round(totalmem() / 2 ** 30),
    free_memory_gib: Number((freemem() / 2 ** 30).toFixed(1)),
    node: process.version,
    kernel: release(),
    load_average: loadavg().map((load) => Number(load.toFixed(2))),
  };
}

/** Runs one benchmark, its output passed through; its report, or why there is none. */
function runOne(name: string, args: string[]): Promise<BenchReport> {
  const { script } = BENCHMARKS[name]!;
  return new Promise((resolve, reject) => {
    // tsx's own command (a script started with `node --import tsx` cannot start `border0 start` here).
    const child = spawn(process.execPath, [TSX, join(HERE, script), ...args], {
      cwd: HERE,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (code !== 0 || !line) return reject(new Error(`${name} exited with ${code} and no report`));
      resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as BenchReport);
    });
  });
}

/** What a smoke run checks: every row holds measured numbers, every ratio is a number. */
export function checkReport(name: string, report: BenchReport): string[] {
  const problems: string[] = [];
  if (report.benchmark !== name) problems.push(`${name} reported as ${report.benchmark}`);
  if (report.rows.length === 0) problems.push(`${name}: no rows`);
  for (const r of report.rows) {
    // Finite, not positive: a growth of memory over a handful of sessions may be below zero (noise).
    if (r.values.length === 0 || !r.values.every(Number.isFinite)) {
      problems.push(`${name}: ${r.measurement} through ${r.path} measured nothing (${r.values.join(', ')})`);
    }
  }
  for (const r of report.ratios) {
    if (!Number.isFinite(r.value)) problems.push(`${name}: ratio ${r.name} is ${r.value}`);
  }
  return problems;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const smoke = argv.includes('--smoke');
  const names = argv.filter((a) => !a.startsWith('--'));
  for (const name of names) {
    if (!BENCHMARKS[name]) throw new Error(`no benchmark ${name}: ${Object.keys(BENCHMARKS).join(', ')}`);
  }
  const chosen = names.length > 0 ? names : Object.keys(BENCHMARKS);
  const buildCli = spawn(process.execPath, [join(ROOT, 'cli', 'build.mjs')], { stdio: 'inherit' });
  await new Promise((resolve, reject) =>
    buildCli.once('close', (code) =>
      code === 0 ? resolve(code) : reject(new Error('the CLI did not build')),
    ),
  );

  const date = new Date().toISOString().slice(0, 10);
  const file = smoke
    ? join(tmpdir(), `border0-bench-smoke-${process.pid}.json`)
    : join(HERE, 'results', `${date}.json`);
  const day: DayResults =
    !smoke && existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as DayResults)
      : { date, machine: {}, benchmarks: {} };
  day.machine = machine();
  const failures: string[] = [];
  for (const name of chosen) {
    const { full, smoke: tiny } = BENCHMARKS[name]!;
    const args = smoke ? tiny : full;
    const started = new Date();
    console.log(`\n=== ${name} ${args.join(' ')}`);
    try {
      const report = await runOne(name, args);
      const problems = checkReport(name, report);
      if (problems.length > 0) throw new Error(problems.join('\n'));
      day.benchmarks[name] = {
        report,
        arguments: args,
        started: started.toISOString(),
        seconds: Math.round((Date.now() - started.getTime()) / 1000),
      };
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(day, null, 2)}\n`);
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  if (!smoke) {
    const docs = join(ROOT, 'docs', 'benchmarks.md');
    writeFileSync(docs, renderResults(readFileSync(docs, 'utf8'), day, `bench/results/${date}.json`));
    console.log(`\nwrote ${file} and docs/benchmarks.md`);
  } else console.log(`\nsmoke results in ${file}`);
  if (failures.length > 0) {
    console.error(`\nfailed:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
