/**
 * CancelRequest routing. A client cancels a running statement (psql's Ctrl-C) by opening a new connection
 * and sending the process id and secret key it was given at login: the upstream's own, so the proxy keeps no
 * translation. The proxy forwards a cancel only for a session it carries, to that session's upstream, and
 * only from the identity that owns the session.
 */

export interface CancelTarget {
  /** Who owns the session (the identity's label). */
  owner: string;
  /** Sends the cancel to the session's upstream. */
  cancel(): Promise<void>;
}

export class CancelRequests {
  readonly #targets = new Map<string, CancelTarget>();

  add(processId: number, secretKey: number, target: CancelTarget): () => void {
    const key = `${processId}:${secretKey}`;
    this.#targets.set(key, target);
    return () => {
      if (this.#targets.get(key) === target) this.#targets.delete(key);
    };
  }

  /** Forwards the cancel when `owner` owns the session; says whether it did. */
  async cancel(processId: number, secretKey: number, owner: string): Promise<boolean> {
    const target = this.#targets.get(`${processId}:${secretKey}`);
    if (!target || target.owner !== owner) return false;
    await target.cancel();
    return true;
  }
}

/** One per proxy process: a cancel comes on a connection of its own, possibly through another gateway. */
export const cancelRequests = new CancelRequests();
