/**
 * Records a terminal session as asciicast v2 and hands it off in numbered chunks (chunk 0 starts with the
 * header) through a LineChunkWriter: any prefix of the chunks is a readable cast, data calls never throw
 * nor wait, and events reach the sink a quarter of a second after they happen.
 */
import {
  type AsciicastEventCode,
  type AsciicastHeader,
  asciicastEventLine,
  asciicastHeaderLine,
} from './asciicast.js';
import { type ChunkSink, LineChunkWriter, type LineChunkWriterOptions } from './line-chunk-writer.js';

/** Stores one chunk (see LineChunkWriter). */
export type AsciicastSink = ChunkSink;

export interface AsciicastWriterOptions extends LineChunkWriterOptions {
  /** The header's fields; `timestamp` defaults to now. */
  header: Omit<AsciicastHeader, 'version'>;
  /** Milliseconds on a clock that never goes back; event times are measured on it. Default `performance.now`. */
  now?: () => number;
}

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
  readonly #chunks: LineChunkWriter;
  readonly #now: () => number;
  readonly #start: number;
  // One decoder per direction: a character split across two reads is completed by the next read of the same
  // direction, never turned into U+FFFD.
  readonly #outputDecoder = new TextDecoder('utf-8');
  readonly #inputDecoder = new TextDecoder('utf-8');

  #lastTime = 0;

  constructor(options: AsciicastWriterOptions) {
    this.#chunks = new LineChunkWriter(options);
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
    const { width, height, timestamp, ...rest } = options.header;
    this.#chunks.append(
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
    if (!this.#chunks.closed) {
      // Whatever is left of a split character is flushed as U+FFFD: the stream ended inside it.
      this.#event('o', this.#outputDecoder.decode());
      this.#event('i', this.#inputDecoder.decode());
    }
    return this.#chunks.close();
  }

  #event(code: AsciicastEventCode, data: string): void {
    if (this.#chunks.closed || data === '') return;
    // Clamped so that times never go back, whatever the clock does.
    const time = Math.max(this.#lastTime, (this.#now() - this.#start) / 1000);
    this.#lastTime = time;
    this.#chunks.append(asciicastEventLine(time, code, data));
  }
}
