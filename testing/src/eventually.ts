/** Synchronisation without sleeps: poll until something holds, or fail at a deadline saying what was awaited. */

export interface EventuallyOptions {
  /** Pause between probes (default 200 ms: probes that call an API or start a process should not spin). */
  intervalMs?: number;
  /** What is awaited, for the error at the deadline. */
  what?: string;
  /**
   * Try again after a probe throws (default true). False fails at once with that error: for a probe that
   * asserts, so that a failed assertion is never retried into a pass.
   */
  retryErrors?: boolean;
}

/**
 * Calls `probe` until `ok` holds for its answer, and resolves with that answer. A probe that throws is tried
 * again (unless `retryErrors` is false); once `deadlineMs` has passed it rejects with the last answer and the
 * last error.
 *
 * @example
 * const live = await eventually(() => client.get('/api/v1/sessions'), (page) => page.items.length > 0, 10_000);
 */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  ok: (value: T) => boolean,
  deadlineMs: number,
  options: EventuallyOptions = {},
): Promise<T> {
  const { intervalMs = 200, what = 'the condition', retryErrors = true } = options;
  const end = Date.now() + deadlineMs;
  let last: T | undefined;
  let lastError: unknown;
  // A probe starts only before the deadline: an answer that came later would stretch the bound under test.
  while (Date.now() < end) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch (error) {
      if (!retryErrors) throw error;
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const error = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
  throw new Error(
    `timed out after ${deadlineMs} ms waiting for ${what}: last ${JSON.stringify(last)}${error}`,
  );
}

/**
 * Polls a cheap condition every 10 ms until it holds; resolves with the milliseconds it took. A check that
 * throws fails at once.
 *
 * @example
 * const healedIn = await waitUntil(() => tunnel.status.state === 'connected', 5_000, 'the tunnel back');
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  deadlineMs = 5_000,
  what = 'condition',
): Promise<number> {
  const started = Date.now();
  await eventually(check, Boolean, deadlineMs, { intervalMs: 10, what, retryErrors: false });
  return Date.now() - started;
}
