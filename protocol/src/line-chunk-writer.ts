/**
 * Hands lines off in numbered chunks, for a proxy to upload while a session runs: every chunk ends on a line
 * boundary, so any prefix of the chunks is readable. Writing never gets in the way of the session: `append`
 * never throws nor waits, and a sink that keeps failing is reported through `onError`.
 *
 * What a crash loses is what is buffered plus what is on its way: lines are handed off a quarter of a second
 * after they are appended, and a few chunks travel at once, so one slow upload does not hold back the ones
 * behind it (the store takes chunks in any order, by seq). Recordings of every format are written with it.
 */

/**
 * Stores one chunk. Called with seq 0, 1, 2… in that order, with at most `maxInFlight` calls under way at
 * once, so calls may complete out of order.
 */
export type ChunkSink = (seq: number, bytes: Uint8Array) => Promise<void>;

export interface LineChunkWriterOptions {
  sink: ChunkSink;
  /** Buffered events reach the sink at most this long after they happened. Default 250. */
  flushIntervalMs?: number;
  /** Sink calls under way at once, at most (default 4); further chunks wait for one of them to finish. */
  maxInFlight?: number;
  /** A buffer this large is flushed at once. Default 64 KiB. */
  maxChunkBytes?: number;
  /** Retries of a failed sink call, with doubling delays from `retryDelayMs`. Defaults 3 and 250. */
  retries?: number;
  retryDelayMs?: number;
  /**
   * Chunks waiting for the sink may hold at most this many bytes (default 16 MiB): beyond, new chunks are
   * dropped and reported, so a slow sink never makes the recorder grow without bound.
   */
  maxQueuedBytes?: number;
  /** Called when a chunk could not be stored after all retries; that chunk's events are lost. */
  onError?: (error: Error, seq: number) => void;
}

const encoder = new TextEncoder();

export class LineChunkWriter {
  readonly #sink: ChunkSink;
  readonly #flushIntervalMs: number;
  readonly #maxInFlight: number;
  readonly #maxChunkBytes: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #maxQueuedBytes: number;
  #queuedBytes = 0;
  readonly #onError: (error: Error, seq: number) => void;
  #lines: string[] = [];
  #bufferedBytes = 0;
  #nextSeq = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Chunks waiting for a free sink call, oldest first. */
  #waiting: { seq: number; bytes: Uint8Array }[] = [];
  #inFlight = 0;
  /** Resolved once nothing waits and nothing is in flight. */
  #onIdle: (() => void)[] = [];
  #closed: Promise<void> | undefined;

  constructor(options: LineChunkWriterOptions) {
    this.#sink = options.sink;
    this.#flushIntervalMs = options.flushIntervalMs ?? 250;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.#maxChunkBytes = options.maxChunkBytes ?? 64 * 1024;
    this.#retries = options.retries ?? 3;
    this.#retryDelayMs = options.retryDelayMs ?? 250;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 16 * 1024 * 1024;
    this.#onError = options.onError ?? (() => {});
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Hands off what is buffered and resolves once every chunk is stored or reported through `onError`. Later
   * calls return the same promise; lines appended after it are ignored.
   */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#flush();
    this.#closed = new Promise((resolve) => {
      this.#onIdle.push(resolve);
      this.#pump();
    });
    return this.#closed;
  }

  /** One line, with its newline. */
  append(line: string): void {
    if (this.#closed) return;
    this.#lines.push(line);
    this.#bufferedBytes += line.length; // UTF-16 units: an estimate is enough to bound a chunk.
    if (this.#bufferedBytes >= this.#maxChunkBytes) {
      this.#flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#flush(), this.#flushIntervalMs);
      // Waiting to flush must not keep a process alive: close() is what drains the writer.
      this.#timer.unref?.();
    }
  }

  /** Makes the buffered lines the next chunk and sends it on its way. */
  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#lines.length === 0) return;
    const bytes = encoder.encode(this.#lines.join(''));
    this.#lines = [];
    this.#bufferedBytes = 0;
    const seq = this.#nextSeq++;
    if (this.#queuedBytes + bytes.length > this.#maxQueuedBytes) {
      this.#report(new Error('the recording sink falls behind: a chunk was dropped'), seq);
      return;
    }
    this.#queuedBytes += bytes.length;
    this.#waiting.push({ seq, bytes });
    this.#pump();
  }

  /** Starts waiting chunks while sink calls are free; tells close() once everything is done with. */
  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#waiting.length > 0) {
      const { seq, bytes } = this.#waiting.shift()!;
      this.#inFlight += 1;
      void this.#deliver(seq, bytes).then(() => {
        this.#inFlight -= 1;
        this.#queuedBytes -= bytes.length;
        this.#pump();
      });
    }
    if (this.#inFlight === 0 && this.#waiting.length === 0) {
      for (const resolve of this.#onIdle.splice(0)) resolve();
    }
  }

  /** Never rejects: a chunk that cannot be stored is reported and skipped. */
  async #deliver(seq: number, bytes: Uint8Array): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#sink(seq, bytes);
        return;
      } catch (error) {
        if (attempt >= this.#retries) {
          this.#report(error instanceof Error ? error : new Error(String(error)), seq);
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, this.#retryDelayMs * 2 ** attempt));
    }
  }

  #report(error: Error, seq: number): void {
    try {
      this.#onError(error, seq);
    } catch {
      // A throwing error handler must not stall the chunks behind this one.
    }
  }
}
