/**
 * Walks the server's byte stream message by message without copying it: rows, row descriptions and COPY
 * data go on as they came (a million-row result is never buffered); the small messages that say how a
 * statement ended (CommandComplete, ErrorResponse, ReadyForQuery, ...) are read, and one of them may be sent
 * in another form (a refused statement's error). Chunks go out in the order they came.
 */
import { ProtocolError } from './frontend-reader.js';

export interface BackendHandler {
  /** A message whose body the proxy reads: answer the bytes to send instead, or undefined to forward it. */
  read(type: string, body: Buffer): Buffer | undefined;
  /** A message forwarded without reading its body (a row, a row description, COPY data). */
  passed(type: string): void;
}

/** The types whose bodies are read: small, and what statements' ends and the session's state are made of. */
const READ = new Set('CEZ123nsIKSVvGHWN');
/** A read message larger than this (a huge notice, say) is forwarded unread. */
const MAX_READ = 1024 * 1024;

export class BackendScanner {
  readonly #handler: BackendHandler;
  /** Bytes of the current message held back until it is whole (its header, and its body when read). */
  #held: Buffer[] = [];
  #type = '';
  /** The current message's whole length (type byte included) once its header is known, else 0. */
  #length = 0;
  /** Bytes of the current message seen so far; 0 between messages. */
  #seen = 0;
  #reading = false;

  constructor(handler: BackendHandler) {
    this.#handler = handler;
  }

  /** Whether the stream stands between two messages (a message of the proxy's may go in here). */
  get betweenMessages(): boolean {
    return this.#seen === 0;
  }

  /** The bytes to send the client for `chunk`, in order (mostly slices of it). */
  scan(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let pass = 0; // chunk bytes from here on are forwarded as they are
    let at = 0;
    while (at < chunk.length) {
      if (this.#seen === 0 && chunk.length - at >= 5) {
        // The usual case: the header is in this chunk.
        const type = String.fromCharCode(chunk[at]!);
        const length = this.#checkedLength(chunk.readInt32BE(at + 1));
        const read = READ.has(type) && length <= MAX_READ;
        if (!read) {
          this.#handler.passed(type);
          const take = Math.min(length, chunk.length - at);
          if (take < length) this.#start(type, length, take, false);
          at += take;
        } else if (at + length <= chunk.length) {
          const instead = this.#handler.read(type, chunk.subarray(at + 5, at + length));
          if (instead) {
            if (at > pass) out.push(chunk.subarray(pass, at));
            out.push(instead);
            pass = at + length;
          }
          at += length;
        } else {
          if (at > pass) out.push(chunk.subarray(pass, at));
          this.#held = [chunk.subarray(at)];
          this.#start(type, length, chunk.length - at, true);
          at = pass = chunk.length;
        }
        continue;
      }
      if (this.#seen < 5) {
        // A header split across chunks: hold its bytes until the type says what to do with the message.
        if (this.#seen === 0 && at > pass) out.push(chunk.subarray(pass, at));
        const take = Math.min(5 - this.#seen, chunk.length - at);
        this.#held.push(chunk.subarray(at, at + take));
        this.#seen += take;
        at = pass = at + take;
        if (this.#seen < 5) break;
        const header = Buffer.concat(this.#held);
        this.#type = String.fromCharCode(header[0]!);
        this.#length = this.#checkedLength(header.readInt32BE(1));
        this.#reading = READ.has(this.#type) && this.#length <= MAX_READ;
        if (!this.#reading) {
          this.#handler.passed(this.#type);
          out.push(header);
          this.#held = [];
        }
        if (this.#seen === this.#length) this.#finish(out);
        continue;
      }
      // The body of a message that began in an earlier chunk.
      const take = Math.min(this.#length - this.#seen, chunk.length - at);
      if (this.#reading) {
        this.#held.push(chunk.subarray(at, at + take));
        pass = at + take;
      }
      at += take;
      this.#seen += take;
      if (this.#seen === this.#length) this.#finish(out);
    }
    if (chunk.length > pass) out.push(chunk.subarray(pass));
    return out;
  }

  #checkedLength(declared: number): number {
    if (declared < 4) throw new ProtocolError(`the upstream sent a message length of ${declared}`);
    return 1 + declared;
  }

  #start(type: string, length: number, seen: number, reading: boolean) {
    this.#type = type;
    this.#length = length;
    this.#seen = seen;
    this.#reading = reading;
  }

  #finish(out: Buffer[]) {
    if (this.#reading) {
      const whole = Buffer.concat(this.#held);
      out.push(this.#handler.read(this.#type, whole.subarray(5)) ?? whole);
    }
    this.#held = [];
    this.#seen = 0;
    this.#length = 0;
  }
}
