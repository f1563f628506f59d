/**
 * A map with a bound on its size and on the age of its entries: past `maxEntries` the least recently used
 * entry goes, and an entry older than `ttlMs` is gone when next asked for. Memory stays bounded whatever
 * names clients make up.
 */
export class ExpiringLru<V> {
  readonly #entries = new Map<string, { value: V; at: number }>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;

  constructor(maxEntries: number, ttlMs: number) {
    this.#maxEntries = maxEntries;
    this.#ttlMs = ttlMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (Date.now() - entry.at >= this.#ttlMs) return undefined;
    // Re-inserted: a Map iterates in insertion order, so the first entry is the least recently used.
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, at: Date.now() });
    while (this.#entries.size > this.#maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }

  /** Every live entry, least recently used first. */
  forEach(visit: (value: V, key: string) => void): void {
    for (const [key, entry] of this.#entries) visit(entry.value, key);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
