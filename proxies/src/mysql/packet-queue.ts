/**
 * Packets read one at a time while logging in (either side), from whichever socket carries them: the channel,
 * then the TLS socket over it. Bounded like every other reader; a close or a deadline fails the waiting read.
 */
import type { Duplex } from 'node:stream';
import { LoginStream } from '../session/login-stream.js';
import { type Packet, PacketReader, ProtocolError } from './packets.js';

/** Login packets are small; a greeting or an auth exchange never comes near this. */
const MAX_LOGIN_PACKET = 64 * 1024;

export class PacketQueue extends LoginStream {
  readonly #reader = new PacketReader(MAX_LOGIN_PACKET);

  constructor(
    source: Duplex,
    readonly closedMessage = 'the connection closed during the login',
  ) {
    super(source);
  }

  protected received(chunk: Buffer): void {
    this.#reader.append(chunk);
  }

  protected closed(): Error {
    return new ProtocolError(this.closedMessage);
  }

  /** Stops reading and returns the bytes read past the last packet taken: the relay's (or TLS's). */
  detach(): Buffer {
    this.stop();
    return this.#reader.unread();
  }

  /** Bytes already read from the source by someone else, to be read first. */
  feed(bytes: Buffer) {
    if (bytes.length > 0) this.#reader.append(bytes);
  }

  /** One at a time: what follows a packet may be no packet at all (a TLS hello after an SSLRequest). */
  next(): Promise<Packet> {
    return this.until(() => this.#reader.take() ?? undefined);
  }
}
