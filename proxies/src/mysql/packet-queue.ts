/**
 * Packets read one at a time while logging in (either side), from whichever socket carries them: the channel,
 * then the TLS socket over it. Bounded like every other reader; a close or a deadline fails the waiting read.
 */
import type { Duplex } from 'node:stream';
import { type Packet, PacketReader, ProtocolError } from './packets.js';

/** Login packets are small; a greeting or an auth exchange never comes near this. */
const MAX_LOGIN_PACKET = 64 * 1024;

export class PacketQueue {
  readonly #reader = new PacketReader(MAX_LOGIN_PACKET);
  #source: Duplex;
  #waiter: (() => void) | undefined;
  #failure: Error | undefined;
  readonly #onData = (chunk: Buffer) => {
    this.#reader.append(chunk);
    this.#waiter?.();
  };
  readonly #onEnd = () => this.fail(new ProtocolError(this.closedMessage));

  constructor(
    source: Duplex,
    readonly closedMessage = 'the connection closed during the login',
  ) {
    this.#source = source;
    this.#listen();
  }

  #listen() {
    this.#source
      .on('data', this.#onData)
      .once('end', this.#onEnd)
      .once('close', this.#onEnd)
      .once('error', this.#onEnd);
    this.#source.resume();
  }

  #unlisten() {
    this.#source
      .off('data', this.#onData)
      .off('end', this.#onEnd)
      .off('close', this.#onEnd)
      .off('error', this.#onEnd);
  }

  /** Stops reading and returns the bytes read past the last packet taken: the relay's (or TLS's). */
  detach(): Buffer {
    this.#unlisten();
    this.#source.pause();
    return this.#reader.unread();
  }

  /** Bytes already read from the source by someone else, to be read first. */
  feed(bytes: Buffer) {
    if (bytes.length > 0) this.#onData(bytes);
  }

  /** Stops reading without pausing: the TLS socket about to be made over the channel reads it. */
  release() {
    this.#unlisten();
  }

  /** The TLS socket now reads the channel: read from it instead. */
  rebind(source: Duplex) {
    this.#unlisten();
    this.#source = source;
    this.#listen();
  }

  fail(error: Error) {
    this.#failure ??= error;
    this.#waiter?.();
  }

  async next(): Promise<Packet> {
    for (;;) {
      // One at a time: what follows a packet may be no packet at all (a TLS hello after an SSLRequest).
      const packet = this.#reader.take();
      if (packet) return packet;
      if (this.#failure) throw this.#failure;
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
    }
  }
}
