/** Synchronisation without sleeps: poll a condition until a deadline. */

export async function waitUntil(
  check: () => boolean,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}
