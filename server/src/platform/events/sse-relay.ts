/**
 * Change events as Server-Sent Events: one stream per reader, written in order, with heartbeats; a reader that
 * stops reading is dropped (it reconnects and fetches everything again) rather than buffered forever.
 */
import type { SSEStreamingApi } from 'hono/streaming';
import type { Services } from '../../services.js';
import type { BusMessage, PlatformEvent } from './event-bus.js';

export const EVENT_HEARTBEAT_SECONDS = 15;
/** Writes a stalled reader may fall behind by before its stream is dropped (it reconnects and resyncs). */
const MAX_BACKLOG = 1000;
/** What EventSource clients wait before reconnecting. */
const RETRY_MS = 2000;

/**
 * Relays bus messages to one stream, as `select` turns them into SSE events (or `end`s the stream), until the
 * reader leaves or the bus resets.
 */
export async function relayEvents(
  services: Services,
  stream: SSEStreamingApi,
  select: (event: PlatformEvent) => { event: string; data: object } | 'end' | undefined,
): Promise<void> {
  let backlog = 0;
  let writes = Promise.resolve();
  let finish = () => {};
  const ended = new Promise<void>((resolve) => {
    finish = resolve;
  });
  // Writes go one after another; a reader that stops reading is dropped rather than buffered forever.
  const send = (write: () => Promise<unknown>) => {
    if (backlog >= MAX_BACKLOG) {
      stream.abort();
      return finish();
    }
    backlog++;
    writes = writes.then(write).then(() => {
      backlog--;
    });
  };
  const unsubscribe = services.events.subscribe((message: BusMessage) => {
    if (message.type === 'reset') return finish();
    const selected = select(message);
    if (selected === 'end') return finish();
    if (selected) send(() => stream.writeSSE({ event: selected.event, data: JSON.stringify(selected.data) }));
  });
  const heartbeat = setInterval(
    () => send(() => stream.write(': heartbeat\n\n')),
    EVENT_HEARTBEAT_SECONDS * 1000,
  );
  stream.onAbort(finish);
  try {
    send(() =>
      stream.writeSSE({
        event: 'ready',
        data: JSON.stringify({ heartbeat_interval_seconds: EVENT_HEARTBEAT_SECONDS }),
        retry: RETRY_MS,
      }),
    );
    await ended;
    // What was sent before the end still goes out, unless the reader has stalled.
    if (!stream.aborted)
      await Promise.race([writes, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  } finally {
    unsubscribe();
    clearInterval(heartbeat);
  }
}
