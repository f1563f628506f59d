/**
 * The mutation matrix: disables each security check of checks.ts in turn (one source edit), runs the tests
 * the check names, and requires at least one of them to FAIL. A check no test catches is a defect: the
 * promise it keeps is untested. The source is restored after each run, and on Ctrl+C.
 *
 * Checks run on several workers at once (two by default: one per core here), each in a tree of its own: the
 * repository itself and copies of it (node_modules included, .git not) under the temporary directory.
 *
 *   pnpm test:mutations                 every check
 *   pnpm test:mutations -- --only a,b   some checks
 *   pnpm test:mutations -- --workers 1  one at a time, in the repository only
 *   pnpm test:mutations -- --list       the list, without running anything
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKS, type SecurityCheck } from './checks.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Outcome {
  check: SecurityCheck;
  caught: boolean;
  detail: string;
  seconds: number;
}

/** The source with the check disabled; throws unless `find` occurs exactly once (the list went stale). */
export function mutated(source: string, check: SecurityCheck): string {
  const at = source.indexOf(check.find);
  if (at < 0)
    throw new Error(`${check.id}: its code is no longer in ${check.file}; update security/checks.ts`);
  if (source.indexOf(check.find, at + 1) >= 0) {
    throw new Error(`${check.id}: its code occurs more than once in ${check.file}; make \`find\` unique`);
  }
  return source.slice(0, at) + check.replace + source.slice(at + check.find.length);
}

/** Runs vitest on the named files (and test names) of one package; resolves with the count of failed tests. */
function runTests(
  root: string,
  pkg: string,
  files: string[],
  name: string | undefined,
): Promise<{ failed: number; ran: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'border0-mutation-'));
  const report = join(dir, 'report.json');
  const args = [
    'exec',
    'vitest',
    'run',
    ...files,
    '--reporter=json',
    `--outputFile=${report}`,
    '--maxWorkers=1',
    '--bail=1',
  ];
  if (name) args.push('-t', name);
  return new Promise((resolve) => {
    const child = spawn('pnpm', args, { cwd: join(root, pkg), stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('exit', () => {
      try {
        const json = JSON.parse(readFileSync(report, 'utf8')) as {
          numFailedTests: number;
          numTotalTests: number;
        };
        resolve({ failed: json.numFailedTests, ran: json.numTotalTests });
      } catch {
        // No report: the suite did not load (a mutation that breaks compilation is not a caught one).
        resolve({ failed: 0, ran: 0 });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** How to put back what a run in the repository itself changed, should it be interrupted. */
const restores = new Set<() => void>();
const copies: string[] = [];
process.once('SIGINT', () => {
  for (const restore of restores) restore();
  for (const copy of copies) rmSync(copy, { recursive: true, force: true });
  process.exit(130);
});

/** A copy of the repository for a worker of its own: everything but .git (its links are relative). */
function copyOfRepository(): string {
  const copy = mkdtempSync(join(tmpdir(), 'border0-mutation-tree-'));
  copies.push(copy);
  const entries = readdirSync(ROOT).filter((name) => name !== '.git');
  const done = spawnSync('cp', ['-a', ...entries, copy], { cwd: ROOT, stdio: 'inherit' });
  if (done.status !== 0) throw new Error(`could not copy the repository to ${copy}`);
  return copy;
}

async function exercise(root: string, check: SecurityCheck): Promise<Outcome> {
  const started = performance.now();
  const path = join(root, check.file);
  const original = readFileSync(path, 'utf8');
  const restore = () => writeFileSync(path, original);
  restores.add(restore);
  try {
    writeFileSync(path, mutated(original, check));
    for (const test of check.tests) {
      const { failed, ran } = await runTests(root, test.package, [test.file], test.name);
      if (failed > 0) {
        return {
          check,
          caught: true,
          detail: `${test.package}/${test.file}: ${failed} of ${ran} failed`,
          seconds: (performance.now() - started) / 1000,
        };
      }
    }
    return {
      check,
      caught: false,
      detail: 'no named test failed',
      seconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    return { check, caught: false, detail: (error as Error).message, seconds: 0 };
  } finally {
    restore();
    restores.delete(restore);
  }
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--list')) {
    for (const check of CHECKS) process.stdout.write(`${check.id.padEnd(40)} ${check.what}\n`);
    return;
  }
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new Set(args[onlyAt + 1]?.split(',')) : undefined;
  const chosen = CHECKS.filter((check) => !only || only.has(check.id));
  const workersAt = args.indexOf('--workers');
  const workers = Math.max(1, Math.min(chosen.length, Number(workersAt >= 0 ? args[workersAt + 1] : 2) || 1));
  const started = performance.now();
  const roots = [ROOT];
  try {
    for (let i = 1; i < workers; i++) roots.push(copyOfRepository());
    const queue = [...chosen];
    const outcomes: Outcome[] = [];
    const work = async (root: string) => {
      for (let check = queue.shift(); check; check = queue.shift()) {
        const outcome = await exercise(root, check);
        outcomes.push(outcome);
        const mark = outcome.caught ? 'caught' : 'MISSED';
        process.stdout.write(
          `${mark}  ${check.id.padEnd(40)} ${outcome.seconds.toFixed(1)} s  ${outcome.detail}\n`,
        );
      }
    };
    await Promise.all(roots.map(work));
    const missed = outcomes.filter((o) => !o.caught);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `\n${outcomes.length - missed.length} of ${outcomes.length} security checks caught by a named test (${seconds.toFixed(0)} s on ${workers} workers)\n`,
    );
    if (missed.length > 0) process.exitCode = 1;
  } finally {
    for (const copy of copies) rmSync(copy, { recursive: true, force: true });
  }
}

await main();
