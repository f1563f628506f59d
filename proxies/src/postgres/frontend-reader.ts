/**
 * Cuts a client's byte stream into PostgreSQL messages: first the untyped startup packets (SSLRequest,
 * GSSENCRequest, CancelRequest, StartupMessage), then typed messages. Lengths are bounded before anything is
 * buffered, so a client that declares 2 GiB costs nothing; a message is held only until it is whole, and a
 * message's bytes are copied once.
 */

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export interface FrontendMessage {
  /** The type byte, or '' for a startup packet. */
  type: string;
  /** The message without its type and length. */
  body: Buffer;
  /** The whole message as it came, to forward unchanged. */
  raw: Buffer;
}

/** PostgreSQL's own bound on startup packets (MAX_STARTUP_PACKET_LENGTH). */
const MAX_STARTUP_LENGTH = 10_000;
/** The message types a client may send after the startup. */
const FRONTEND_TYPES = new Set('BCDEFHPQSXcdfp');

export interface FrontendLimits {
  /** The largest message other than CopyData (a statement, a Bind with its parameters). */
  maxMessageBytes: number;
  /** The largest CopyData message. */
  maxCopyDataBytes: number;
}

export const DEFAULT_FRONTEND_LIMITS: FrontendLimits = {
  maxMessageBytes: 16 * 1024 * 1024,
  maxCopyDataBytes: 64 * 1024 * 1024,
};

export class FrontendReader {
  #startup = true;
  #chunks: Buffer[] = [];
  #size = 0;
  /** Bytes the message being read needs in all, once its header is known. */
  #expect = 0;
  readonly #limits: FrontendLimits;

  constructor(limits: FrontendLimits = DEFAULT_FRONTEND_LIMITS) {
    this.#limits = limits;
  }

  /** After the StartupMessage: typed messages from now on. */
  startupDone(): void {
    this.#startup = false;
  }

  /** Whether part of a message is waiting for the rest. */
  get partial(): boolean {
    return this.#size > 0;
  }

  /** The whole messages that `chunk` completes, in order. Throws ProtocolError on a malformed stream. */
  push(chunk: Buffer): FrontendMessage[] {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.#expect > this.#size) return [];
    const buffer = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size);
    const messages: FrontendMessage[] = [];
    let at = 0;
    this.#expect = 0;
    while (at < buffer.length) {
      const length = this.#messageLength(buffer, at);
      if (length === undefined || at + length > buffer.length) {
        this.#expect = length ?? 0;
        break;
      }
      const raw = buffer.subarray(at, at + length);
      // A startup packet's body keeps its request code (the first int32 after the length).
      messages.push(
        this.#startup
          ? { type: '', body: raw.subarray(4), raw }
          : { type: raw.toString('latin1', 0, 1), body: raw.subarray(5), raw },
      );
      at += length;
      // The packet that ends the startup phase changes how the next one is read: stop and let the caller say.
      if (this.#startup) break;
    }
    const rest = buffer.subarray(at);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#size = rest.length;
    return messages;
  }

  /** The whole length of the message at `at`, or undefined while its header is incomplete. */
  #messageLength(buffer: Buffer, at: number): number | undefined {
    if (this.#startup) {
      if (buffer.length - at < 4) return undefined;
      const length = buffer.readInt32BE(at);
      if (buffer[at] === 0x16) throw new ProtocolError('a TLS handshake where a startup packet belongs');
      if (length < 8 || length > MAX_STARTUP_LENGTH)
        throw new ProtocolError(`invalid startup packet length ${length}`);
      return length;
    }
    if (buffer.length - at < 5) return undefined;
    const type = String.fromCharCode(buffer[at]!);
    if (!FRONTEND_TYPES.has(type)) throw new ProtocolError(`invalid frontend message type ${buffer[at]}`);
    const length = buffer.readInt32BE(at + 1);
    const limit = type === 'd' ? this.#limits.maxCopyDataBytes : this.#limits.maxMessageBytes;
    if (length < 4) throw new ProtocolError(`invalid message length ${length}`);
    if (length > limit) throw new ProtocolError(`message of ${length} bytes is over the limit of ${limit}`);
    return 1 + length;
  }
}
