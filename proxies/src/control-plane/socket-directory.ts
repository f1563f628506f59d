/** Sockets by dnsname (the SNI of a connection), looked up through the SDK and cached until a change event. */
import { type Border0Client, Border0Error, type Schema } from '@border0/sdk';

export type SocketLookup = Schema<'ProxySocketLookup'>;

export class SocketDirectory {
  readonly #cache = new Map<string, { at: number; lookup: Promise<SocketLookup | undefined> }>();
  readonly #client: Border0Client;
  readonly #ttlMs: number;

  constructor(client: Border0Client, ttlMs = 60_000) {
    this.#client = client;
    this.#ttlMs = ttlMs;
  }

  /** The socket serving `dnsname`, or undefined when there is none (a 404 is remembered like an answer). */
  find(dnsname: string): Promise<SocketLookup | undefined> {
    const key = dnsname.toLowerCase();
    const hit = this.#cache.get(key);
    if (hit && Date.now() - hit.at < this.#ttlMs) return hit.lookup;
    const lookup = this.#client
      .get('/api/v1/proxy/sockets/{dnsname}', { params: { path: { dnsname: key } } })
      .catch((error: unknown) => {
        if (error instanceof Border0Error && (error.status === 404 || error.status === 400)) return undefined;
        this.#cache.delete(key);
        throw error;
      });
    this.#cache.set(key, { at: Date.now(), lookup });
    return lookup;
  }

  forget(dnsname?: string): void {
    if (dnsname === undefined) this.#cache.clear();
    else this.#cache.delete(dnsname.toLowerCase());
  }
}
