/**
 * Refusals before authentication (no valid client certificate, another organization's), reported without
 * letting a flood of them flood the control plane: the first of a kind (socket, client address, reason,
 * presented identity) is a denied session at once; its repeats are counted, and each window that saw
 * repeats ends with one more denied session whose `attempts` says how many. A kind with no repeats for a
 * whole window is forgotten. Memory is bounded: past `maxKinds`, new addresses share one kind per socket and
 * reason (reported without an address).
 */
import type { Logger } from 'pino';
import { addressGroup } from '../gateway/address-group.js';
import type { ClientIdentity } from '../gateway/client-identity.js';

export interface Refusal {
  socketId: string;
  ip: string | null;
  port: number | null;
  country: string | null;
  identity: ClientIdentity | undefined;
  reason: string;
}

/** Sends one denied session standing for `attempts` connections. */
export type ReportRefusal = (refusal: Refusal, attempts: number) => Promise<unknown>;

export interface RefusalReportOptions {
  /** How long repeats are counted before they are reported (default 60 s). */
  windowMs?: number | undefined;
  /** Kinds counted at once (default 10,000). */
  maxKinds?: number | undefined;
}

interface Kind {
  /** The latest refusal of this kind: its port and country go into the count's report. */
  last: Refusal;
  repeats: number;
  timer: NodeJS.Timeout;
}

export class RefusalReports {
  readonly #report: ReportRefusal;
  readonly #log: Logger;
  readonly #windowMs: number;
  readonly #maxKinds: number;
  readonly #kinds = new Map<string, Kind>();

  constructor(report: ReportRefusal, log: Logger, options: RefusalReportOptions = {}) {
    this.#report = report;
    this.#log = log;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxKinds = options.maxKinds ?? 10_000;
  }

  refuse(refusal: Refusal): void {
    let key = kindKey(refusal, refusal.ip);
    if (!this.#kinds.has(key) && this.#kinds.size >= this.#maxKinds) {
      key = kindKey(refusal, null);
      refusal = { ...refusal, ip: null, port: null, country: null };
    }
    const kind = this.#kinds.get(key);
    if (kind) {
      kind.repeats++;
      kind.last = refusal;
      return;
    }
    const timer = setInterval(() => this.#endWindow(key), this.#windowMs);
    timer.unref();
    this.#kinds.set(key, { last: refusal, repeats: 0, timer });
    this.#send(refusal, 1);
  }

  /** Reports every count now and forgets all kinds (the proxy is stopping). */
  async flush(): Promise<void> {
    const sent: Promise<unknown>[] = [];
    for (const [key, kind] of this.#kinds) {
      clearInterval(kind.timer);
      this.#kinds.delete(key);
      if (kind.repeats > 0) sent.push(this.#send(kind.last, kind.repeats));
    }
    await Promise.all(sent);
  }

  #endWindow(key: string): void {
    const kind = this.#kinds.get(key);
    if (!kind) return;
    if (kind.repeats === 0) {
      clearInterval(kind.timer);
      this.#kinds.delete(key);
      return;
    }
    void this.#send(kind.last, kind.repeats);
    kind.repeats = 0;
  }

  #send(refusal: Refusal, attempts: number): Promise<unknown> {
    return this.#report(refusal, attempts).catch((error: unknown) =>
      this.#log.warn({ err: error, attempts }, 'refusal report failed'),
    );
  }
}

function kindKey(refusal: Refusal, ip: string | null): string {
  return JSON.stringify([
    refusal.socketId,
    ip === null ? null : addressGroup(ip),
    refusal.reason,
    refusal.identity?.label ?? null,
  ]);
}
