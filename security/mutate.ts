/**
 * The mutation matrix: disables each security check of checks.ts in turn (one source edit), runs the tests
 * the check names, and requires at least one of them to FAIL. A check no test catches is a defect: the
 * promise it keeps is untested. The source is restored after each run, and on Ctrl+C.
 *
 *   pnpm test:mutations                 every check
 *   pnpm test:mutations -- --only a,b   some checks
 *   pnpm test:mutations -- --list       the list, without running anything
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    const child = spawn('pnpm', args, { cwd: join(ROOT, pkg), stdio: ['ignore', 'ignore', 'ignore'] });
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

async function exercise(check: SecurityCheck): Promise<Outcome> {
  const started = performance.now();
  const path = join(ROOT, check.file);
  const original = readFileSync(path, 'utf8');
  const restore = () => writeFileSync(path, original);
  const interrupted = () => {
    restore();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    writeFileSync(path, mutated(original, check));
    for (const test of check.tests) {
      const { failed, ran } = await runTests(test.package, [test.file], test.name);
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
    process.off('SIGINT', interrupted);
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
  const outcomes: Outcome[] = [];
  for (const check of chosen) {
    const outcome = await exercise(check);
    outcomes.push(outcome);
    const mark = outcome.caught ? 'caught' : 'MISSED';
    process.stdout.write(
      `${mark}  ${check.id.padEnd(40)} ${outcome.seconds.toFixed(1)} s  ${outcome.detail}\n`,
    );
  }
  const missed = outcomes.filter((o) => !o.caught);
  const total = outcomes.reduce((sum, o) => sum + o.seconds, 0);
  process.stdout.write(
    `\n${outcomes.length - missed.length} of ${outcomes.length} security checks caught by a named test (${total.toFixed(0)} s)\n`,
  );
  if (missed.length > 0) process.exitCode = 1;
}

await main();
