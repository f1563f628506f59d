/**
 * A call to the control plane that may not hold its caller longer than `ms`: the heartbeat and decisions go
 * on when a request hangs (a black-holed control plane). The signal asks the request itself to stop too;
 * the race does not rely on it, since an abort does not always reach a request already under way.
 */
export async function withDeadline<T>(
  call: (signal: AbortSignal) => Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${what}: no answer within ${ms} ms`);
      abort.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([call(abort.signal), late]);
  } finally {
    clearTimeout(timer);
  }
}
