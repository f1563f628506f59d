/**
 * Follows the server's answers to the commands the relay forwarded
 * (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_command_phase.html), reading packet headers
 * and the first bytes of a packet only, and passing the server's bytes on as they came: result sets (text and
 * binary, several of them after a multi-statement or a CALL), OK/ERR, LOCAL INFILE requests, COM_STMT_PREPARE's
 * answer. What it learns goes to each command's callbacks (the query log's rows, affected rows and errors, a
 * prepared statement's id). The proxy's own answers to refused commands wait in the same queue, so that they
 * reach the client in the order of its commands.
 */
import { CLIENT, SERVER_STATUS } from './capabilities.js';
import { MAX_PAYLOAD, ProtocolError } from './packets.js';
import { Cursor } from './payload.js';
import { readError } from './upstream-login.js';

export interface ResultEnd {
  rows?: number | undefined;
  error?: { code: string; message: string } | undefined;
}

export type Expectation =
  /** A result set or OK/ERR, possibly several (`onResult` once per result). `rows` starts in the rows (COM_STMT_FETCH). */
  | {
      kind: 'result';
      onResult: (end: ResultEnd, more: boolean) => void;
      onInfile?: () => void;
      rows?: boolean;
    }
  | { kind: 'prepare'; onPrepared: (id: number, params: number, error?: ResultEnd['error']) => void }
  /** One packet: OK, ERR, EOF or COM_STATISTICS's string. */
  | { kind: 'one'; onDone?: (ok: boolean, error?: ResultEnd['error']) => void }
  /** COM_FIELD_LIST: column definitions until EOF or ERR. */
  | { kind: 'fields' }
  /** The proxy's own answer, written when its turn comes. */
  | { kind: 'local'; packet: Buffer };

type Phase = 'first' | 'columns' | 'columnsEof' | 'rows' | 'infile' | 'definitions';

/** Bytes of a packet looked at: enough for OK/EOF/ERR headers and an error message. */
const CAPTURE = 512;

export class ResponseTracker {
  readonly #queue: Expectation[] = [];
  readonly #deprecateEof: boolean;
  #phase: Phase = 'first';
  #count = 0;
  #rows = 0;
  /** Server status flags of the latest OK/EOF. */
  status: number;
  // Packet walking across chunks.
  #header = Buffer.alloc(0);
  #remaining = 0;
  #length = 0;
  #prefix: Buffer[] = [];
  #prefixSize = 0;
  #continuation = false;

  constructor(capabilities: number, status: number) {
    this.#deprecateEof = (capabilities & CLIENT.DEPRECATE_EOF) !== 0;
    this.status = status;
  }

  /** Whether a forwarded command still waits for (part of) its answer. */
  get pending(): boolean {
    return this.#queue.some((e) => e.kind !== 'local');
  }

  /** Whether the server's stream is between packets (an error of ours may go in). */
  get betweenPackets(): boolean {
    return this.#remaining === 0 && this.#header.length === 0;
  }

  /** Queues what a forwarded command's answer looks like, or the proxy's own answer; the latter, with nothing ahead of it, comes back to be written now. */
  expect(expectation: Expectation): Buffer | undefined {
    if (expectation.kind === 'local' && this.#queue.length === 0) return expectation.packet;
    this.#queue.push(expectation);
    this.#phase = this.#queue.length === 1 ? this.#startPhase() : this.#phase;
    return undefined;
  }

  /** The server's bytes, cut where the proxy's own answers go in between. */
  scan(chunk: Buffer): Buffer[] {
    const parts: Buffer[] = [];
    let from = 0;
    let at = 0;
    while (at < chunk.length) {
      if (this.#remaining === 0) {
        const need = 4 - this.#header.length;
        this.#header = Buffer.concat([this.#header, chunk.subarray(at, at + need)]);
        at += Math.min(need, chunk.length - at);
        if (this.#header.length < 4) break;
        this.#length = this.#header.readUIntLE(0, 3);
        this.#remaining = this.#length;
        this.#prefix = [];
        this.#prefixSize = 0;
        if (this.#remaining === 0 && this.#packetDone()) {
          parts.push(chunk.subarray(from, at), ...this.#flushLocal());
          from = at;
        }
        continue;
      }
      const take = Math.min(this.#remaining, chunk.length - at);
      if (this.#prefixSize < CAPTURE) {
        const piece = chunk.subarray(at, at + Math.min(take, CAPTURE - this.#prefixSize));
        this.#prefix.push(piece);
        this.#prefixSize += piece.length;
      }
      at += take;
      this.#remaining -= take;
      if (this.#remaining === 0 && this.#packetDone()) {
        parts.push(chunk.subarray(from, at), ...this.#flushLocal());
        from = at;
      }
    }
    if (from < chunk.length) parts.push(chunk.subarray(from));
    return parts.filter((part) => part.length > 0);
  }

  #startPhase(): Phase {
    const head = this.#queue[0];
    if (head?.kind === 'result' && head.rows) return 'rows';
    return head?.kind === 'fields' ? 'definitions' : 'first';
  }

  /** The proxy's answers now at the head of the queue. */
  #flushLocal(): Buffer[] {
    const out: Buffer[] = [];
    while (this.#queue[0]?.kind === 'local') out.push((this.#queue.shift() as { packet: Buffer }).packet);
    this.#phase = this.#startPhase();
    return out;
  }

  /** A whole packet was seen; returns whether the head command's answer is complete. */
  #packetDone(): boolean {
    this.#header = Buffer.alloc(0);
    const continued = this.#continuation;
    this.#continuation = this.#length === MAX_PAYLOAD;
    if (continued) return false; // the rest of a packet of 16 MiB or more
    const head = this.#queue[0];
    if (!head || head.kind === 'local')
      throw new ProtocolError('the upstream sent a packet nobody asked for');
    const payload = this.#prefix.length === 1 ? this.#prefix[0]! : Buffer.concat(this.#prefix);
    const first = payload[0];
    const error = first === 0xff ? readError(payload) : undefined;
    const err = error && { code: `${error.code}/${error.sqlState}`, message: error.message };
    switch (head.kind) {
      case 'one':
        if (first === 0x00 || first === 0xfe) this.#readStatus(payload);
        head.onDone?.(first !== 0xff, err);
        return this.#complete();
      case 'prepare':
        if (this.#phase === 'first') {
          if (err) {
            head.onPrepared(0, 0, err);
            return this.#complete();
          }
          const c = new Cursor(payload);
          c.u8();
          const id = c.u32();
          const columns = c.u16();
          const params = c.u16();
          head.onPrepared(id, params);
          const eofs = this.#deprecateEof ? 0 : Number(params > 0) + Number(columns > 0);
          this.#count = params + columns + eofs;
          this.#phase = 'definitions';
          return this.#count === 0 && this.#complete();
        }
        return --this.#count === 0 && this.#complete();
      case 'fields':
        // A column definition starts with its catalog ("def"): 0xFE can only be the terminator.
        if (first === 0xff || first === 0xfe) return this.#complete();
        return false;
      case 'result':
        return this.#result(head, payload, err);
    }
    return false;
  }

  #result(head: Extract<Expectation, { kind: 'result' }>, payload: Buffer, err: ResultEnd['error']): boolean {
    const first = payload[0];
    if (err) {
      head.onResult({ error: err }, false);
      return this.#complete();
    }
    switch (this.#phase) {
      case 'first':
      case 'infile':
        if (first === 0x00) return this.#endResult(head, this.#readOk(payload));
        if (first === 0xfb) {
          this.#phase = 'infile';
          head.onInfile?.();
          return false;
        }
        this.#count = new Cursor(payload).lenencInt();
        this.#rows = 0;
        this.#phase = 'columns';
        return false;
      case 'columns':
        if (--this.#count > 0) return false;
        this.#phase = this.#deprecateEof ? 'rows' : 'columnsEof';
        return false;
      case 'columnsEof':
        this.#readStatus(payload);
        // A cursor was opened (COM_STMT_EXECUTE with a cursor flag): rows come with COM_STMT_FETCH.
        if (this.status & SERVER_STATUS.CURSOR_EXISTS) return this.#endResult(head, undefined);
        this.#phase = 'rows';
        return false;
      default:
        if (first === 0xfe && this.#length < (this.#deprecateEof ? MAX_PAYLOAD : 9)) {
          this.#readStatus(payload);
          return this.#endResult(head, this.#rows);
        }
        this.#rows++;
        return false;
    }
  }

  #endResult(head: Extract<Expectation, { kind: 'result' }>, rows: number | undefined): boolean {
    const more = (this.status & SERVER_STATUS.MORE_RESULTS_EXISTS) !== 0;
    head.onResult({ rows }, more);
    this.#phase = 'first';
    return !more && this.#complete();
  }

  /** OK_Packet: affected rows, last insert id, status flags. */
  #readOk(payload: Buffer): number {
    const c = new Cursor(payload);
    c.u8();
    const affected = c.lenencInt();
    c.lenencInt();
    this.status = c.u16();
    return affected;
  }

  /** The status flags of an OK or EOF packet. */
  #readStatus(payload: Buffer) {
    if (payload[0] === 0xfe && payload.length >= 5 && payload.length < 9)
      this.status = payload.readUInt16LE(3);
    else if (payload.length >= 7) this.#readOk(payload);
  }

  #complete(): true {
    this.#queue.shift();
    this.#phase = this.#startPhase();
    return true;
  }
}
