/**
 * What a protocol reads while logging in (the client's login or the upstream's), one unit at a time, from
 * whichever stream carries it: the channel, then the TLS socket made over it. A close, an error or `fail` (a
 * deadline) fails the waiting read. Subclasses say how bytes are kept (`received`) and read units with `until`.
 */
import type { Duplex } from 'node:stream';

export abstract class LoginStream {
  #source: Duplex;
  #waiter: (() => void) | undefined;
  #failure: Error | undefined;
  readonly #onData = (chunk: Buffer) => {
    this.received(chunk);
    this.#waiter?.();
  };
  readonly #onEnd = () => this.fail(this.closed());

  constructor(source: Duplex) {
    this.#source = source;
    this.#listen();
  }

  /** Keeps bytes that arrived (bounded: call `fail` when there are too many). */
  protected abstract received(chunk: Buffer): void;
  /** The error of a source that closed before the login ended. */
  protected abstract closed(): Error;

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

  /** Stops reading and pauses the source: what follows is the relay's. */
  protected stop(): void {
    this.#unlisten();
    this.#source.pause();
  }

  /** Stops reading without pausing: the TLS socket about to be made over the channel reads it. */
  release(): void {
    this.#unlisten();
  }

  /** Reads the TLS socket from now on. */
  rebind(source: Duplex): void {
    this.#unlisten();
    this.#source = source;
    this.#listen();
  }

  fail(error: Error): void {
    this.#failure ??= error;
    this.#waiter?.();
  }

  /** Waits until `take` gives a unit (it must not consume anything when it gives undefined). */
  protected async until<T>(take: () => T | undefined): Promise<T> {
    for (;;) {
      const unit = take();
      if (unit !== undefined) return unit;
      if (this.#failure) throw this.#failure;
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
    }
  }
}
