/**
 * Which proxy `border0 client ...` connects through: the one given (`--proxy`, env BORDER0_PROXY), else the
 * platform's live proxies as the API lists them (the region of env BORDER0_REGION first), tried in order:
 * one that cannot be reached is skipped.
 */
import { connect } from 'node:net';
import type { Border0Client } from '@border0/sdk';
import { CliError, UsageError } from './errors.js';

/** How long a proxy may take to accept a TCP connection before the next one is tried. */
const REACH_TIMEOUT_MS = 3_000;

export const PROXY_OPTION_HELP = 'the proxy (env BORDER0_PROXY; default: the platform’s live proxies)';

export interface ProxyTarget {
  host: string;
  port: number;
}

/** `host:port` or `[v6]:port`. */
export function parseHostPort(text: string, flag: string): ProxyTarget {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535)
    throw new UsageError(`${flag} must be host:port, not ${JSON.stringify(text)}`);
  return { host: match[1]!, port };
}

/** The proxies to try, in order. */
export async function proxyTargets(client: Border0Client, flag: string | undefined): Promise<ProxyTarget[]> {
  const given = flag ?? process.env.BORDER0_PROXY;
  if (given) return [parseHostPort(given, '--proxy')];
  const region = process.env.BORDER0_REGION;
  const { items } = await client.get('/api/v1/client/proxies', {
    params: { query: region ? { region } : {} },
  });
  if (items.length === 0) {
    throw new CliError(
      'no proxy of the platform is running (none reported in the last minute); or give --proxy',
    );
  }
  return items.map((proxy) => parseHostPort(proxy.public_address, `the address of proxy ${proxy.name}`));
}

/** The first of `proxies` that accepts a TCP connection; rejects naming every one tried. */
export async function reachableProxy(proxies: ProxyTarget[]): Promise<ProxyTarget> {
  if (proxies.length === 1) return proxies[0]!;
  const failures: string[] = [];
  for (const proxy of proxies) {
    const reason = await reach(proxy);
    if (reason === undefined) return proxy;
    failures.push(`${proxy.host}:${proxy.port} (${reason})`);
  }
  throw new CliError(`cannot reach a proxy: ${failures.join(', ')}`);
}

/** Undefined when `proxy` accepts a connection within the timeout, else why not. */
function reach(proxy: ProxyTarget): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: proxy.host, port: proxy.port });
    const done = (reason?: string) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(REACH_TIMEOUT_MS, () => done('timed out'));
    socket.once('connect', () => done());
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}
