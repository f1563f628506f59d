/**
 * The `network` discovery plugin: connects to every address of the configured ranges on the configured
 * ports, with bounded concurrency and timeouts, and makes a socket of each port that answers, typed by
 * what speaks there (service-classifier.ts). Settings in connector.yaml:
 *
 * @example
 * discovery:
 *   network:
 *     interval_seconds: 60
 *     targets: [{ target: 10.0.0.0/24, ports: [22, 5432] }]
 *     upstream: { ssh: { username: ubuntu, authentication_type: border0_certificate } }
 */
import { isIP } from 'node:net';
import type { DiscoveredResource, DiscoveryPlugin, UpstreamInput } from './discovery-plugin.js';
import { socketName } from './resource-filter.js';
import { classifyService, type ServiceKind } from './service-classifier.js';

export interface NetworkTarget {
  /** An IPv4 or IPv6 range (`10.0.0.0/24`, `fd00::/120`), an address, or a host name. */
  target: string;
  ports: number[];
}

export interface NetworkSettings {
  targets: NetworkTarget[];
  interval_seconds?: number | undefined;
  /** Connections at once (default 32). */
  concurrency?: number | undefined;
  /** Per connection and probe (default 2000 ms). */
  timeout_ms?: number | undefined;
  /** Upstream settings merged into what is found, e.g. credentials: `ssh`, `postgres`, `mysql`. */
  upstream?: Partial<Record<'ssh' | 'postgres' | 'mysql', Record<string, unknown>>> | undefined;
}

/** More probes than this in one run is a configuration mistake (a /16 × many ports), refused. */
export const MAX_PROBES = 65_536;

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

const numberToIpv4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** An IPv6 address (checked with isIP first) as a 128-bit number; an embedded IPv4 tail is read too. */
function ipv6ToBigInt(address: string): bigint {
  let text = address;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const v4 = ipv4ToNumber(tail[1]!);
    text = `${text.slice(0, -tail[1]!.length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const groups =
    rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, group) => (n << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

/** A 128-bit number as an IPv6 address in its canonical short form (RFC 5952). */
function bigIntToIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // The longest run of two or more zero groups (the first of equals) becomes `::`.
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}

/**
 * The addresses of a target: every address of an IPv4 or IPv6 range (network and broadcast too), or the one
 * host (an address or a name).
 */
export function expandTarget(target: string): string[] {
  const range = /^([0-9A-Fa-f.:]+)\/(\d{1,3})$/.exec(target.trim());
  if (range) {
    const [, base, bitsText] = range;
    const family = isIP(base!);
    const bits = Number(bitsText);
    const width = family === 6 ? 128 : 32;
    if (family === 0 || bits > width) throw new Error(`network: ${target} is not an IPv4 or IPv6 range`);
    if (width - bits > 16 || 2 ** (width - bits) > MAX_PROBES) {
      throw new Error(
        `network: ${target} has ${2n ** BigInt(width - bits)} addresses, more than ${MAX_PROBES}`,
      );
    }
    const size = 2 ** (width - bits);
    if (family === 4) {
      const first = ipv4ToNumber(base!) - (ipv4ToNumber(base!) % size);
      return Array.from({ length: size }, (_, i) => numberToIpv4(first + i));
    }
    const first = ipv6ToBigInt(base!) & ~(BigInt(size) - 1n);
    return Array.from({ length: size }, (_, i) => bigIntToIpv6(first + BigInt(i)));
  }
  const host = target.trim();
  if (!host || /[\s/]/.test(host))
    throw new Error(`network: ${JSON.stringify(target)} is not an address or range`);
  return [host];
}

/** Reads the plugin's settings, checking what would make every run fail. */
export function parseNetworkSettings(raw: unknown): NetworkSettings {
  const settings = (raw ?? {}) as NetworkSettings;
  if (!Array.isArray(settings.targets) || settings.targets.length === 0) {
    throw new Error('discovery.network.targets: expected a list of { target, ports }');
  }
  let probes = 0;
  settings.targets.forEach((t, i) => {
    if (typeof t?.target !== 'string')
      throw new Error(`discovery.network.targets.${i}.target: expected a range or address`);
    if (!Array.isArray(t.ports) || t.ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
      throw new Error(`discovery.network.targets.${i}.ports: expected port numbers (1-65535)`);
    }
    probes += expandTarget(t.target).length * t.ports.length;
  });
  if (probes > MAX_PROBES)
    throw new Error(`discovery.network: ${probes} probes per run, more than ${MAX_PROBES}`);
  return settings;
}

const DEFAULT_SSH: Record<string, unknown> = {
  authentication_type: 'border0_certificate',
  username_provider: 'prompt_client',
};

/** The socket for what answers at host:port, or none for a closed port. */
export function resourceOf(
  host: string,
  port: number,
  kind: ServiceKind,
  upstream: NetworkSettings['upstream'] = {},
): DiscoveredResource | undefined {
  const source = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const at = { hostname: host, port };
  const named = (prefix: string) => socketName(prefix, host, port);
  const tags = { 'border0.discovery.service': kind };
  switch (kind) {
    case 'closed':
      return undefined;
    case 'ssh':
      return {
        name: named('ssh'),
        socketType: 'ssh',
        upstream: { type: 'ssh', ...at, ...DEFAULT_SSH, ...upstream.ssh } as UpstreamInput,
        tags,
        source,
      };
    case 'postgres':
    case 'mysql':
      return {
        name: named(kind),
        socketType: 'database',
        upstream: {
          type: 'database',
          protocol: kind,
          ...at,
          authentication_type: 'no_auth',
          ...upstream[kind],
        } as UpstreamInput,
        tags,
        source,
      };
    case 'http':
    case 'https':
      return {
        name: named(kind),
        socketType: 'http',
        upstream: { type: 'http', scheme: kind, ...at },
        tags,
        source,
      };
    default:
      // TLS servers and plain TCP alike: a TLS socket carries their bytes as they are.
      return { name: named(kind), socketType: 'tls', upstream: { type: 'tls', ...at }, tags, source };
  }
}

/** Runs `work` over `items` with at most `limit` at once. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class NetworkPlugin implements DiscoveryPlugin {
  readonly name = 'network';
  readonly intervalMs: number;
  readonly #settings: NetworkSettings;

  constructor(settings: NetworkSettings) {
    this.#settings = settings;
    this.intervalMs = Math.max(1, settings.interval_seconds ?? 60) * 1000;
  }

  async discover(signal: AbortSignal): Promise<DiscoveredResource[]> {
    const probes = this.#settings.targets.flatMap((t) =>
      expandTarget(t.target).flatMap((host) => t.ports.map((port) => ({ host, port }))),
    );
    const found: DiscoveredResource[] = [];
    const timeoutMs = this.#settings.timeout_ms ?? 2000;
    await eachLimited(probes, Math.max(1, this.#settings.concurrency ?? 32), async ({ host, port }) => {
      if (signal.aborted) return;
      const kind = await classifyService(host, port, { timeoutMs, signal });
      const resource = resourceOf(host, port, kind, this.#settings.upstream);
      if (resource) found.push(resource);
    });
    if (signal.aborted) throw new Error('discovery stopped');
    return found.sort((a, b) => a.name.localeCompare(b.name));
  }
}
