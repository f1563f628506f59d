/**
 * A client of the proxies' event stream over real HTTP, as a proxy would read it: parses Server-Sent
 * Events as they arrive and lets a test wait, with a deadline, for the event it expects.
 */
export interface ServerEvent {
  event: string;
  data: Record<string, unknown>;
}

export interface EventStream {
  /** The first event not yet taken that matches, waiting for it until the deadline. */
  take(match: (e: ServerEvent) => boolean, timeoutMs?: number): Promise<ServerEvent>;
  /** Events received and not taken, in order. */
  pending: ServerEvent[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens the stream and resolves once its `ready` event arrived: from then on no event is missed. */
export async function openEventStream(
  baseUrl: string,
  token: string,
  path: '/api/v1/proxy/events' | '/api/v1/connector/events' = '/api/v1/proxy/events',
): Promise<EventStream> {
  const abort = new AbortController();
  const res = await fetch(`${baseUrl}${path}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  if (res.status !== 200) throw new Error(`event stream: ${res.status} ${await res.text()}`);
  const pending: ServerEvent[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  let done = false;
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const parsed = parseEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (parsed) pending.push(parsed);
          end = buffer.indexOf('\n\n');
        }
        notify();
      }
    } catch {
      // Aborted by close().
    } finally {
      done = true;
      notify();
    }
  })();

  const take = (match: (e: ServerEvent) => boolean, timeoutMs = 5000) =>
    new Promise<ServerEvent>((resolve, reject) => {
      const check = () => {
        const index = pending.findIndex(match);
        if (index >= 0) {
          finish();
          resolve(pending.splice(index, 1)[0]!);
        } else if (done) {
          finish();
          reject(new Error(`the stream ended; still pending: ${JSON.stringify(pending)}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no matching event within ${timeoutMs} ms; pending: ${JSON.stringify(pending)}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  await take((e) => e.event === 'ready');
  return { take, pending, ended, close: () => abort.abort() };
}

/** One event block; comments (heartbeats) are not events. */
function parseEvent(block: string): ServerEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  if (data.length === 0) return undefined;
  return { event, data: JSON.parse(data.join('\n')) };
}
