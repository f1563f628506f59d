/**
 * Soak: one proxy under a flood of hostile connections while a person works through it. Not a test (it
 * takes minutes and its figures depend on the machine); run it by hand:
 *
 *   pnpm --filter @border0/bench run soak [--seconds 300] [--connections 1000] [--churn 150]
 *                      [--addresses 40] [--reconnect-ms 1000] [--ramp-seconds 10] [--keys 300]
 *                      [--settle 70] [--rounds 1]
 *
 * Every part is its own process, as a user would run it: the API (`border0 start --no-proxy`, PGlite), the
 * proxy (`border0 proxy start`, with its default limits), a connector (`border0 connector start`), a real
 * sshd upstream, and OpenSSH `ssh` through the config of `border0 client ssh-config` (ProxyCommand
 * `border0 client tls`). The proxy is started with a preloaded probe (memory-probe.cjs) that only reports
 * process.memoryUsage(). The hostile connections come from another process (soak-attacker.ts, which lists
 * the kinds), spread over --addresses client addresses: --connections that hold on (stalled handshakes,
 * logged in but silent), each reopened about 100 ms after the proxy closes it, and --churn slots of
 * connections the proxy ends at once (garbage, unknown server names, no certificate), each reopened about
 * --reconnect-ms later. The slots start at random over --ramp-seconds (10, the proxy's deadlines: arrivals
 * then stay spread; 1 makes the held connections come and go in waves). With --rounds N the flood and the
 * quiet after it repeat N times against the same proxy: memory that grows from round to round would leak.
 *
 * One interactive session (`ssh -tt` inside `script`, running `cat`) lives throughout: --keys keystrokes
 * before the flood, keystrokes one after another for --seconds during it, --keys after it has stopped and
 * --settle seconds passed (longer than the proxy's 60 s window for counting refusals, so that the last counts
 * are reported); each is timed until its echo. The proxy's memory: at baseline (before the flood), the
 * highest sample during it (every second), and after (at the end of --settle); the heap at baseline and after
 * is measured after a full garbage collection. Its descriptors alike. The CPU the whole machine used is
 * shown too: other work on it moves every figure.
 * Needs root (sshd switches users) and openssh-server.
 */
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@border0/testing';
import { LiveTerminal } from './live-terminal.js';
import {
  collectedSample,
  cpuSecondsOf,
  machineBusySeconds,
  type ProxySample,
  proxyLogSummary,
  proxyOpenFilesLimit,
  sampleProxy,
} from './proxy-measures.js';
import type { Plan, Tally } from './soak-attacker.js';
import { type Stack, setUp } from './soak-stack.js';
import { median, percentile, round } from './stats.js';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const seconds = flag('seconds', 300);
const connections = flag('connections', 1000);
const churn = flag('churn', 150);
const addresses = Math.min(flag('addresses', 40), 254);
const reconnectMs = flag('reconnect-ms', 1000);
const keys = flag('keys', 300);
const settleSeconds = flag('settle', 70);
const rounds = flag('rounds', 1);
const rampSeconds = flag('ramp-seconds', 10);
const MB = 1024 * 1024;

/** What is to be undone at the end, last first; runs on success, failure and Ctrl+C alike. */
const undo: (() => unknown)[] = [];

async function typeFor(
  terminal: LiveTerminal,
  count: number,
  untilMs = Infinity,
  stop = () => false,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; (i < count || count === 0) && Date.now() < untilMs && !stop(); i++) {
    times.push(await terminal.keystroke(i));
    // A typist's pace, not a benchmark's: the flood gets the CPU between keystrokes.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return times;
}

const stats = (times: number[]) => ({
  count: times.length,
  median_ms: round(median(times)),
  p95_ms: round(percentile(times, 0.95)),
  max_ms: round(Math.max(...times)),
});

interface Round {
  during: number[];
  samples: ProxySample[];
  held: number[];
  rampSeconds: number;
  opened: number;
  tally: Tally;
  proxyCpu: number;
  attackerCpu: number;
  /** Share of the whole machine's CPU in use while the flood ran (0 to 1). */
  machineShare: number;
  after: ProxySample;
  afterCollected: ProxySample;
}

/** One flood: the attacker's process for --seconds, keystrokes throughout, then --settle seconds of quiet. */
async function flood(stack: Stack, terminal: LiveTerminal): Promise<Round> {
  const attacker = fork(fileURLToPath(new URL('./soak-attacker.ts', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  undo.push(() => attacker.kill('SIGKILL'));
  let tally: Tally = { open: 0, opened: 0, refused: 0, lifetimes: {} };
  attacker.on('message', (message: Tally) => {
    tally = message;
  });
  const plan: Plan = {
    port: stack.proxy.port,
    dnsname: stack.dnsname,
    credentials: stack.credentials,
    holding: connections,
    churning: churn,
    addresses,
    reconnectMs,
    rampMs: rampSeconds * 1000,
  };
  attacker.send({ plan });
  const floodStart = Date.now();
  await waitUntil(() => tally.open >= connections * 0.9, 60_000, `${connections * 0.9} hostile connections`);
  const ramp = (Date.now() - floodStart) / 1000;
  console.log(`  flood: ${tally.open} hostile connections open after ${ramp.toFixed(1)} s`);

  const samples: ProxySample[] = [];
  const held: number[] = [];
  let failed: unknown;
  const sampler = setInterval(() => {
    try {
      samples.push(sampleProxy(stack.proxy));
      held.push(tally.open);
    } catch (error) {
      // The proxy is gone (its exit is reported): the run ends, and cleans up, below.
      failed ??= error;
    }
  }, 1000);
  const cpu = { proxy: cpuSecondsOf(stack.proxy.child.pid!), attacker: cpuSecondsOf(attacker.pid!) };
  const machine = machineBusySeconds();
  const started = Date.now();
  const openedAtStart = tally.opened;
  const during = await typeFor(terminal, 0, Date.now() + seconds * 1000, () => failed !== undefined);
  clearInterval(sampler);
  if (failed !== undefined) throw failed;
  const proxyCpu = cpuSecondsOf(stack.proxy.child.pid!) - cpu.proxy;
  const attackerCpu = cpuSecondsOf(attacker.pid!) - cpu.attacker;
  const machineShare = (machineBusySeconds() - machine) / (((Date.now() - started) / 1000) * cpus().length);
  const opened = tally.opened - openedAtStart;
  const final = await new Promise<Tally>((resolve) => {
    attacker.once('message', (message: Tally) => resolve(message));
    attacker.send({ stop: true });
  });
  console.log(`  during: ${during.length} keystrokes, median ${median(during).toFixed(2)} ms`);

  // The flood is gone: the proxy should give back what it held.
  await new Promise((resolve) => setTimeout(resolve, settleSeconds * 1000));
  const after = sampleProxy(stack.proxy);
  const afterCollected = await collectedSample(stack.proxy);
  console.log(
    `  after ${settleSeconds} s: RSS ${mb(after.rss)} MB, heap used ${mb(afterCollected.heapUsed)} MB, ` +
      `external ${mb(afterCollected.external)} MB`,
  );
  return {
    during,
    samples,
    held,
    rampSeconds: ramp,
    opened,
    tally: final,
    proxyCpu,
    attackerCpu,
    machineShare,
    after,
    afterCollected,
  };
}

const mb = (bytes: number) => (bytes / MB).toFixed(1);

async function main(): Promise<void> {
  const stack = await setUp(undo);
  const cores = cpus();
  console.log(
    `soak: ${connections} hostile connections for ${seconds} s against one proxy, ${rounds} round(s) ` +
      `(pid ${stack.proxy.child.pid}, open files limit ${proxyOpenFilesLimit(stack.proxy)}), ` +
      `${cores.length} cores (${cores[0]?.model ?? 'unknown cpu'})`,
  );
  const terminal = new LiveTerminal(stack.sshConfig, stack.host);
  undo.push(() => terminal.close());
  await terminal.start();
  await typeFor(terminal, 20);
  const machineBefore = machineBusySeconds();
  const beforeStarted = Date.now();
  const before = await typeFor(terminal, keys);
  const beforeShare =
    (machineBusySeconds() - machineBefore) / (((Date.now() - beforeStarted) / 1000) * cores.length);
  const baseline = await collectedSample(stack.proxy);
  console.log(`  before: ${keys} keystrokes, median ${median(before).toFixed(2)} ms`);

  const results: Round[] = [];
  for (let round = 0; round < rounds; round++) results.push(await flood(stack, terminal));
  const after = await typeFor(terminal, keys);
  await terminal.close();

  const sessions: { result: string; attempts: number }[] = [];
  for await (const session of stack.admin.paginate('/api/v1/sessions', {
    params: { query: { socket: 'soak-box' } },
  })) {
    sessions.push(session);
  }
  const logs = proxyLogSummary(stack.proxy.output());
  const during = results.flatMap((r) => r.during);
  const samples = results.flatMap((r) => r.samples);
  const held = results.flatMap((r) => r.held);
  const opened = results.reduce((sum, r) => sum + r.opened, 0);
  const refused = results.reduce((sum, r) => sum + r.tally.refused, 0);
  const proxyCpu = results.reduce((sum, r) => sum + r.proxyCpu, 0);
  const attackerCpu = results.reduce((sum, r) => sum + r.attackerCpu, 0);
  const machineShare = results.reduce((sum, r) => sum + r.machineShare, 0) / results.length;
  const last = results.at(-1)!;

  const peak = (field: 'rss' | 'heapUsed' | 'descriptors') => Math.max(...samples.map((s) => s[field]));
  const echo = { before: stats(before), during: stats(during), after: stats(after) };
  const ratio = {
    median: round(echo.during.median_ms / echo.before.median_ms, 2),
    p95: round(echo.during.p95_ms / echo.before.p95_ms, 2),
  };
  const denied = sessions.filter((s) => s.result === 'denied');
  const floodSeconds = seconds * rounds;
  console.log(
    `\nhostile connections: ${connections} holding and ${churn} churning (reopened after ~${reconnectMs} ms) ` +
      `over ${addresses} addresses; open during the flood: median ${median(held)}, ` +
      `min ${Math.min(...held)}, max ${Math.max(...held)}; ${opened} opened in ${floodSeconds} s ` +
      `(${(opened / floodSeconds).toFixed(0)}/s), ${refused} refused or reset before they were up`,
  );
  console.log('  lifetime of each kind (median / longest, ms):');
  for (const [kind, life] of Object.entries(last.tally.lifetimes)) {
    console.log(
      `    ${kind.padEnd(17)} ${life.median.toFixed(0).padStart(7)} / ${life.max.toFixed(0).padStart(7)}`,
    );
  }
  console.log('\nkeystroke echo through the proxy (ms):');
  for (const phase of ['before', 'during', 'after'] as const) {
    const s = echo[phase];
    console.log(
      `  ${phase.padEnd(7)} ${String(s.count).padStart(5)} keys  median ${s.median_ms.toFixed(2).padStart(7)}  ` +
        `p95 ${s.p95_ms.toFixed(2).padStart(7)}  max ${s.max_ms.toFixed(2).padStart(8)}`,
    );
  }
  console.log(`  during / before: median ${ratio.median}×, p95 ${ratio.p95}×`);
  console.log(
    `  the machine's CPU in use: ${(beforeShare * 100).toFixed(0)}% before, ${(machineShare * 100).toFixed(0)}% ` +
      `during (the proxy ${((proxyCpu / floodSeconds) * 100).toFixed(0)}% of one core, the attacker ` +
      `${((attackerCpu / floodSeconds) * 100).toFixed(0)}%)`,
  );
  console.log('\nthe proxy process:');
  console.log(
    `  RSS MB: baseline ${mb(baseline.rss)}, peak ${mb(peak('rss'))}, after ` +
      results.map((r) => `${mb(r.after.rss)}`).join(' / ') +
      ` (each round, ${settleSeconds} s after its flood)`,
  );
  console.log(
    `  heap used MB (after a full GC): baseline ${mb(baseline.heapUsed)}, peak ${mb(peak('heapUsed'))} ` +
      `(no forced GC), after ${results.map((r) => mb(r.afterCollected.heapUsed)).join(' / ')}`,
  );
  console.log(
    `  descriptors: baseline ${baseline.descriptors}, peak ${peak('descriptors')}, ` +
      `after ${results.map((r) => r.after.descriptors).join(' / ')}`,
  );
  console.log(
    `  its log: ${logs.cut.handshakeTimeouts} handshake and ${logs.cut.loginTimeouts} login deadlines, ` +
      `${logs.cut.refusedOverAddressLimit} refused over an address's limit, ` +
      `${logs.cut.evictedOverTotalLimit} closed over the total; ` +
      `${logs.lookupsRefused} made-up names refused unasked (rate limit, ${logs.lookupWarnings} warnings)`,
  );
  console.log(
    `\ncontrol plane: ${sessions.length} sessions of the socket: ${sessions.length - denied.length} allowed, ` +
      `${denied.length} denied standing for ${denied.reduce((sum, s) => sum + s.attempts, 0)} connections`,
  );
  const json = {
    bench: 'soak',
    seconds,
    rounds,
    connections,
    churn,
    addresses,
    reconnect_ms: reconnectMs,
    ramp_seconds: rampSeconds,
    cores: cores.length,
    open_files_limit: proxyOpenFilesLimit(stack.proxy),
    held: { median: median(held), min: Math.min(...held), max: Math.max(...held) },
    opened_per_s: round(opened / floodSeconds, 1),
    refused_before_up: refused,
    lifetimes_ms: Object.fromEntries(
      Object.entries(last.tally.lifetimes).map(([kind, life]) => [
        kind,
        { median: round(life.median, 0), max: round(life.max, 0) },
      ]),
    ),
    echo,
    echo_during_vs_before: ratio,
    machine_cpu_share: { before: round(beforeShare, 2), during: round(machineShare, 2) },
    proxy: {
      rss_mb: {
        baseline: round(baseline.rss / MB, 1),
        peak: round(peak('rss') / MB, 1),
        after: results.map((r) => round(r.after.rss / MB, 1)),
      },
      heap_used_mb: {
        baseline: round(baseline.heapUsed / MB, 1),
        peak: round(peak('heapUsed') / MB, 1),
        after: results.map((r) => round(r.afterCollected.heapUsed / MB, 1)),
      },
      descriptors: {
        baseline: baseline.descriptors,
        peak: peak('descriptors'),
        after: results.map((r) => r.after.descriptors),
      },
      cpu_s: round(proxyCpu, 1),
      log: logs,
    },
    attacker_cpu_s: round(attackerCpu, 1),
    sessions: {
      total: sessions.length,
      denied: denied.length,
      denied_attempts: denied.reduce((sum, s) => sum + s.attempts, 0),
    },
  };
  console.log(`\n${JSON.stringify(json)}`);
}

async function cleanUp(): Promise<void> {
  for (const step of undo.splice(0).reverse()) {
    try {
      await step();
    } catch (error) {
      console.error(`cleanup: ${(error as Error).message}`);
    }
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
