/**
 * Retry delays: exponential with full jitter (delay = random(0, min(max, initial · 2^attempt))), so that many
 * clients failing at once do not come back in lockstep. One implementation for every retry loop: the SDK's
 * retrying fetch, its event stream's reconnects and the connector's tunnel reconnects, each with its timings.
 */

export interface BackoffOptions {
  /** Ceiling of the first delay (default 250 ms). */
  initialMs: number;
  /** Largest ceiling (default 10 s). */
  maxMs: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000, random: Math.random };

/**
 * @example
 * const backoff = new Backoff({ initialMs: 200, maxMs: 5_000 });
 * for (;;) {
 *   try { return await attempt(); } catch { await sleep(backoff.next()); }
 * }
 */
export class Backoff {
  readonly #options: BackoffOptions;
  #attempt = 0;

  constructor(options: Partial<BackoffOptions> = {}) {
    this.#options = { ...DEFAULT_BACKOFF, ...options };
  }

  /** Failures since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next try; each call widens the window up to the maximum. */
  next(): number {
    const { initialMs, maxMs, random } = this.#options;
    // Cap the exponent: past 2^30 the ceiling is long since at maxMs, and 2 ** large overflows to Infinity.
    const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt += 1;
    return Math.floor(random() * ceiling);
  }

  /** Back to the smallest window, after a success. */
  reset(): void {
    this.#attempt = 0;
  }
}
