/**
 * Records a terminal session as asciicast v2 and hands it off in numbered chunks (chunk 0 starts with the
 * header), for a proxy to upload while the session runs. Every chunk ends on a line boundary, so any prefix of
 * the chunks is a readable cast. Recording never gets in the way of the session: data calls never throw nor
 * wait, and a sink that keeps failing is reported through `onError`.
 *
 * What a crash of the recording process loses is what is buffered plus what is on its way: events are handed
 * off a quarter of a second after they happen, and a few chunks travel at once, so one slow upload does not
 * hold back the ones behind it (the store takes chunks in any order, by seq).
 */
import {
  type AsciicastEventCode,
  type AsciicastHeader,
  asciicastEventLine,
  asciicastHeaderLine,
} from './asciicast.js';

/**
 * Stores one chunk. Called with seq 0, 1, 2… in that order, with at most `maxInFlight` calls under way at
 * once, so calls may complete out of order.
 */
export type AsciicastSink = (seq: number, bytes: Uint8Array) => Promise<void>;

export interface AsciicastWriterOptions {
  /** The header's fields; `timestamp` defaults to now. */
  header: Omit<AsciicastHeader, 'version'>;
  sink: AsciicastSink;
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
  /** Milliseconds on a clock that never goes back; event times are measured on it. Default `performance.now`. */
  now?: () => number;
}

const encoder = new TextEncoder();

/**
 * @example
 * const writer = new AsciicastWriter({
 *   header: { width: 80, height: 24, env: { TERM: 'xterm-256color' } },
 *   sink: (seq, bytes) => api.putRecordingChunk(recordingId, seq, bytes),
 *   onError: (error) => log.warn({ err: error }, 'recording chunk lost'),
 * });
 * channel.on('data', (data: Buffer) => writer.output(data));
 * channel.on('close', () => void writer.close());
 */
export class AsciicastWriter {
  readonly #sink: AsciicastSink;
  readonly #flushIntervalMs: number;
  readonly #maxInFlight: number;
  readonly #maxChunkBytes: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #maxQueuedBytes: number;
  #queuedBytes = 0;
  readonly #onError: (error: Error, seq: number) => void;
  readonly #now: () => number;
  readonly #start: number;
  // One decoder per direction: a character split across two reads is completed by the next read of the same
  // direction, never turned into U+FFFD.
  readonly #outputDecoder = new TextDecoder('utf-8');
  readonly #inputDecoder = new TextDecoder('utf-8');

  #lines: string[] = [];
  #bufferedBytes = 0;
  #lastTime = 0;
  #nextSeq = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Chunks waiting for a free sink call, oldest first. */
  #waiting: { seq: number; bytes: Uint8Array }[] = [];
  #inFlight = 0;
  /** Resolved once nothing waits and nothing is in flight. */
  #onIdle: (() => void)[] = [];
  #closed: Promise<void> | undefined;

  constructor(options: AsciicastWriterOptions) {
    this.#sink = options.sink;
    this.#flushIntervalMs = options.flushIntervalMs ?? 250;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.#maxChunkBytes = options.maxChunkBytes ?? 64 * 1024;
    this.#retries = options.retries ?? 3;
    this.#retryDelayMs = options.retryDelayMs ?? 250;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 16 * 1024 * 1024;
    this.#onError = options.onError ?? (() => {});
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
    const { width, height, timestamp, ...rest } = options.header;
    this.#append(
      asciicastHeaderLine({
        version: 2,
        width,
        height,
        timestamp: timestamp ?? Math.floor(Date.now() / 1000),
        ...rest,
      }),
    );
  }

  /** Bytes the terminal printed (to the user). */
  output(data: Uint8Array): void {
    this.#event('o', this.#outputDecoder.decode(data, { stream: true }));
  }

  /** Bytes the user typed. */
  input(data: Uint8Array): void {
    this.#event('i', this.#inputDecoder.decode(data, { stream: true }));
  }

  /** The terminal's new size in columns and rows. */
  resize(cols: number, rows: number): void {
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 0 || rows < 0) {
      throw new RangeError(`terminal size must be non-negative integers, got ${cols}x${rows}`);
    }
    this.#event('r', `${cols}x${rows}`);
  }

  /** A named point in the recording, e.g. a command the proxy noticed. */
  marker(label: string): void {
    this.#event('m', label);
  }

  /**
   * Records what is still buffered, stops the timer and resolves once every chunk is stored or reported
   * through `onError`. Later calls return the same promise; events after it are ignored.
   */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    // Whatever is left of a split character is flushed as U+FFFD: the stream ended inside it.
    this.#event('o', this.#outputDecoder.decode());
    this.#event('i', this.#inputDecoder.decode());
    this.#flush();
    this.#closed = new Promise((resolve) => {
      this.#onIdle.push(resolve);
      this.#pump();
    });
    return this.#closed;
  }

  #event(code: AsciicastEventCode, data: string): void {
    if (this.#closed || data === '') return;
    // Clamped so that times never go back, whatever the clock does.
    const time = Math.max(this.#lastTime, (this.#now() - this.#start) / 1000);
    this.#lastTime = time;
    this.#append(asciicastEventLine(time, code, data));
  }

  #append(line: string): void {
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
