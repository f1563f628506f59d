/**
 * A recording read back as one byte stream: the chunks the database acknowledged, in seq order, each fetched
 * from the storage as the reader takes it (never the whole recording in memory). Following a live
 * recording, the stream then waits for the next chunk in sequence and ends with the recording.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.js';
import { chunkSeqs, recordingProgress } from './recording-store.js';
import type { RecordingStorage } from './storage.js';

export interface RecordingStreamOptions {
  /** Keep the stream open while the recording is live, sending chunks as they arrive. */
  follow: boolean;
  /** How often a follower looks for new chunks. Default 300 ms. */
  pollMs?: number;
  /**
   * How long a follower waits for the tail of a recording whose session has ended but which the proxy has
   * not ended: the proxy flushes its last chunk after the connection closed, or has crashed. Default 3 s.
   */
  tailMs?: number;
  /** Ends the stream, e.g. when the server stops. */
  signal?: AbortSignal;
  /** Called once when the stream is over, however it ended. */
  onClose?: () => void;
}

interface Recording {
  id: string;
  storage_key: string;
}

/** Seqs fetched per query, and chunks fetched ahead of the reader (an object store answers slowly). */
const PAGE = 256;
const READ_AHEAD = 8;

export function recordingStream(
  db: Kysely<Database>,
  storage: RecordingStorage,
  recording: Recording,
  options: RecordingStreamOptions,
): ReadableStream<Uint8Array> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (options.signal?.aborted) stop.abort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const source = chunks(db, storage, recording, options, stop.signal);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    options.signal?.removeEventListener('abort', onAbort);
    options.onClose?.();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await source.next();
          // Cancelled while this read was under way: the stream is closed already.
          if (closed) return;
          if (next.done) {
            close();
            controller.close();
          } else controller.enqueue(next.value);
        } catch (error) {
          if (closed) return;
          close();
          controller.error(error);
        }
      },
      async cancel() {
        // The reader left: wake the follower from its wait, so that no timer outlives the stream.
        stop.abort();
        close();
        await source.return(undefined);
      },
    },
    // Pull only when the reader wants more: a slow reader holds back the storage reads, not memory.
    { highWaterMark: 0 },
  );
}

async function* chunks(
  db: Kysely<Database>,
  storage: RecordingStorage,
  recording: Recording,
  options: RecordingStreamOptions,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array, void, undefined> {
  const pollMs = options.pollMs ?? 300;
  const tailMs = options.tailMs ?? 3000;
  let next = 0;
  let seen = -1;
  while (!signal.aborted) {
    // The state before the chunks: every chunk acknowledged before the recording ended is then listed.
    const state = await recordingProgress(db, recording.id);
    if (!state) return;
    const over =
      !options.follow ||
      state.ended_at !== null ||
      (state.session_ended_at !== null &&
        Date.now() - Math.max(time(state.session_ended_at), time(state.last_chunk_at)) > tailMs);
    if (over || state.chunk_count !== seen) {
      seen = state.chunk_count;
      for (;;) {
        const seqs = await chunkSeqs(db, recording.id, next, PAGE);
        // While live, a gap is a chunk still on its way (chunks may arrive out of order): stop before it.
        // Once over, a gap is a chunk lost for good, and what comes after it is sent.
        const sendable = over ? seqs : contiguous(seqs, next);
        for await (const bytes of readAhead(storage, recording.storage_key, sendable)) {
          if (signal.aborted) return;
          yield bytes;
        }
        if (sendable.length > 0) next = sendable[sendable.length - 1]! + 1;
        if (sendable.length < PAGE) break;
      }
    }
    if (over) return;
    await sleep(pollMs, signal);
  }
}

/** The leading run of `seqs` that starts at `from` and has no gap. */
function contiguous(seqs: number[], from: number): number[] {
  let end = 0;
  while (end < seqs.length && seqs[end] === from + end) end++;
  return seqs.slice(0, end);
}

/** The chunks in order, a few fetched ahead; a chunk the storage lost reads as nothing rather than failing. */
async function* readAhead(
  storage: RecordingStorage,
  key: string,
  seqs: number[],
): AsyncGenerator<Uint8Array, void, undefined> {
  const pending: Promise<Uint8Array | undefined>[] = [];
  let index = 0;
  const fill = () => {
    while (index < seqs.length && pending.length < READ_AHEAD) {
      const read = storage.readChunk(key, seqs[index++]!);
      // Awaited in turn below; this keeps a failure from being "unhandled" if the reader stops first.
      read.catch(() => {});
      pending.push(read);
    }
  };
  fill();
  while (pending.length > 0) {
    const bytes = await pending.shift()!;
    fill();
    if (bytes && bytes.length > 0) yield bytes;
  }
}

function time(value: Date | string | null): number {
  return value === null ? 0 : new Date(value).getTime();
}

/** Resolves after `ms`, or at once when `signal` aborts; the timer never outlives the wait. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
