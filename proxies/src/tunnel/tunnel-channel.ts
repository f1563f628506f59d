/**
 * One client connection carried through a tunnel, as a plain Node Duplex for the gateway.
 *
 * Why a wrapper: on the SSH server side, ssh2 closes a channel as soon as its writable side ends
 * (`Channel.js` onFinish: `if (this.server || !this.allowHalfOpen) this.close()`), which would cut the
 * upstream's reply after a client half-closes (`shutdown(SHUT_WR)`, `nc -N`). Here ending the writable side
 * sends SSH_MSG_CHANNEL_EOF only (RFC 4254 §5.3), and the channel is closed once both directions are done,
 * or at once on destroy().
 */
import { Duplex } from 'node:stream';
import type { ServerChannel } from 'ssh2';

const EMPTY = Buffer.alloc(0);

export class TunnelChannel extends Duplex {
  readonly #channel: ServerChannel;

  constructor(channel: ServerChannel) {
    // allowHalfOpen: each direction ends on its own; autoDestroy (the default) closes once both have.
    super({ allowHalfOpen: true });
    this.#channel = channel;
    channel.on('data', (chunk: Buffer) => {
      // SSH-level backpressure: a paused channel stops adjusting its window, so the connector stops sending.
      if (!this.push(chunk)) channel.pause();
    });
    channel.on('end', () => this.push(null));
    channel.on('error', (error: Error) => this.destroy(error));
    channel.on('close', () => this.#onChannelClose());
  }

  override _read(): void {
    this.#channel.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#channel.write(chunk)) callback();
    else this.#channel.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    // An empty write completes only after everything queued before it has been handed to the SSH layer, so
    // the EOF cannot overtake data still waiting for window space.
    this.#channel.write(EMPTY, () => {
      this.#channel.eof();
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#channel.close();
    callback(error);
  }

  #onChannelClose(): void {
    // The connector closed the channel (or the tunnel died): nothing more can be written. Let a reader drain
    // what was already received, then release the stream.
    if (this.readableEnded || this.readableLength === 0) this.destroy();
    else this.once('end', () => this.destroy());
  }
}
