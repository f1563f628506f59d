/**
 * Which server message answers which client message. Clients pipeline (many Parse/Bind/Execute before one
 * Sync; several statements in one Query), so every forwarded message that the server answers leaves a slot
 * here, in order, and the server's messages fill them: that is how each statement's end reaches the query
 * log, and how the error of a refused statement's stand-in is sent in the proxy's words. The rules are the
 * protocol's: after an error in an extended batch the server skips to the next Sync; a Query and a
 * FunctionCall end with ReadyForQuery.
 */
import type { LoggedStatement } from '../recording/query-log.js';
import type { BackendHandler } from './backend-scanner.js';
import { readErrorFields } from './messages.js';

export type SlotKind = 'query' | 'function' | 'parse' | 'bind' | 'execute' | 'describe' | 'close' | 'sync';

export interface Slot {
  kind: SlotKind;
  /** The statement's line in the query log. */
  entry?: LoggedStatement | undefined;
  /** What to send instead of the server's error: the message of a refusal. */
  refusal?: Buffer | undefined;
}

interface OpenSlot extends Slot {
  rows: number;
  tag?: string;
  error?: { code: string; message: string };
}

/** Slots ended with ReadyForQuery. */
const ENDED_BY_READY = new Set<SlotKind>(['query', 'function', 'sync']);

export class ResponseSlots implements BackendHandler {
  #slots: OpenSlot[] = [];
  #head = 0;
  /** The server's BackendKeyData: what a CancelRequest for this session must name. */
  onBackendKey: (processId: number, secretKey: number) => void = () => {};

  push(slot: Slot): void {
    this.#slots.push({ ...slot, rows: 0 });
  }

  /** Whether the server still owes answers (a statement may be running). */
  get pending(): boolean {
    return this.#head < this.#slots.length;
  }

  read(type: string, body: Buffer): Buffer | undefined {
    const head = this.#current();
    switch (type) {
      case 'K':
        this.onBackendKey(body.readInt32BE(0), body.readInt32BE(4));
        return undefined;
      case '1':
      case '2':
      case '3':
      case 'n':
        this.#finish();
        return undefined;
      case 'C':
        if (head) {
          head.tag = body.toString('utf8', 0, Math.max(0, body.length - 1));
          const count = Number(/(\d+)$/.exec(head.tag)?.[1]);
          if (Number.isFinite(count)) head.rows = count;
        }
        if (head?.kind === 'execute') this.#finish();
        return undefined;
      case 'I':
      case 's':
        if (head?.kind === 'execute') this.#finish();
        return undefined;
      case 'E':
        return this.#error(body);
      case 'Z':
        // Everything up to the slot that ReadyForQuery ends is done with.
        while (this.#current() && !ENDED_BY_READY.has(this.#current()!.kind)) this.#finish();
        this.#finish();
        return undefined;
      default:
        return undefined;
    }
  }

  passed(type: string): void {
    const head = this.#current();
    if (!head) return;
    if (type === 'D' && head.kind !== 'describe') head.rows++;
    else if (type === 'T' && head.kind === 'describe') this.#finish();
  }

  #error(body: Buffer): Buffer | undefined {
    const head = this.#current();
    if (!head) return undefined;
    const fields = readErrorFields(body);
    head.error = { code: fields.C ?? '', message: fields.M ?? '' };
    const instead = head.refusal;
    if (ENDED_BY_READY.has(head.kind)) return instead;
    // An extended batch: the server skips to the Sync; so do the slots.
    this.#finish();
    while (this.#current() && this.#current()!.kind !== 'sync') {
      this.#current()!.error = { code: '', message: 'skipped after an earlier error in the batch' };
      this.#finish();
    }
    return instead;
  }

  #current(): OpenSlot | undefined {
    return this.#slots[this.#head];
  }

  #finish(): void {
    const slot = this.#slots[this.#head];
    if (!slot) return;
    this.#slots[this.#head++] = undefined as unknown as OpenSlot;
    slot.entry?.finish({ rows: slot.rows, tag: slot.tag, error: slot.error });
    // Compact now and then, so a long session does not keep every slot it ever had.
    if (this.#head > 1024 && this.#head * 2 > this.#slots.length) {
      this.#slots = this.#slots.slice(this.#head);
      this.#head = 0;
    }
  }
}
