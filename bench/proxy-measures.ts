/**
 * What the soak test reads of the proxy's process: memory (from its preloaded memory-probe.cjs), descriptors
 * and CPU (from /proc), its descriptor limit, and the counts in its log; and the CPU the whole machine used.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { waitUntil } from '@border0/testing';

/** A proxy started with the probe writing to `memoryFile`. */
export interface MeasuredProxy {
  child: ChildProcess;
  memoryFile: string;
}

export interface ProxySample {
  at: number;
  rss: number;
  heapUsed: number;
  /** Memory of Buffers and other objects outside the JavaScript heap that it keeps alive. */
  external: number;
  descriptors: number;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export function sampleProxy(proxy: MeasuredProxy, file = proxy.memoryFile): ProxySample {
  const pid = proxy.child.pid!;
  const memory = JSON.parse(readFileSync(file, 'utf8')) as {
    rss: number;
    heapUsed: number;
    external: number;
  };
  return {
    at: Date.now(),
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    descriptors: readdirSync(`/proc/${pid}/fd`).length,
  };
}

/** A sample right after a full garbage collection in the proxy (SIGUSR2 to its probe). */
export async function collectedSample(proxy: MeasuredProxy): Promise<ProxySample> {
  const file = `${proxy.memoryFile}.collected`;
  rmSync(file, { force: true });
  proxy.child.kill('SIGUSR2');
  await waitUntil(() => existsSync(file), 10_000, 'the probe to collect');
  return sampleProxy(proxy, file);
}

export function proxyOpenFilesLimit(proxy: MeasuredProxy): string {
  const limits = readFileSync(`/proc/${proxy.child.pid}/limits`, 'utf8');
  const [, soft, hard] = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits) ?? [];
  return `${soft} (hard ${hard})`;
}

/** Sums the proxy's log lines that count cut connections, and its rate-limit warnings. */
export function proxyLogSummary(output: string) {
  const cut = {
    handshakeTimeouts: 0,
    loginTimeouts: 0,
    refusedOverAddressLimit: 0,
    evictedOverTotalLimit: 0,
  };
  let lookupWarnings = 0;
  let lookupsRefused = 0;
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (String(entry.msg).startsWith('connections cut before logging in')) {
        for (const field of Object.keys(cut) as (keyof typeof cut)[]) cut[field] += Number(entry[field] ?? 0);
      } else if (String(entry.msg).startsWith('socket lookups are rate limited')) {
        lookupWarnings++;
        lookupsRefused += Number(entry.refused ?? 0);
      }
    } catch {
      // Not a log line.
    }
  }
  return { cut, lookupWarnings, lookupsRefused };
}

/** CPU seconds all processes on the machine have used (user, nice, system on every core). */
export function machineBusySeconds(): number {
  const [, user, nice, system] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  return (Number(user) + Number(nice) + Number(system)) / CLOCK_TICKS;
}

export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
