/**
 * What the proxy does with each message a logged-in client sends: decide the statements (Query, Parse, Bind,
 * FunctionCall), leave a response slot for what the server will answer, start the statement's query-log line,
 * and forward the message, or, for a refused statement, a stand-in that the server rejects in the same place
 * (so that the server's own state stays right: an open transaction is aborted, an extended batch skips to its
 * Sync) and whose error reaches the client in the proxy's words (SQLSTATE 42501). The session goes on.
 */
import type { QueryLog } from '../recording/query-log.js';
import type { StatementGate, Verdict } from '../session/statement-gate.js';
import type { QueryType } from './classify.js';
import type { FrontendMessage } from './frontend-reader.js';
import {
  errorResponse,
  message,
  parseMessage,
  queryMessage,
  readBind,
  readParse,
  rebindTo,
} from './messages.js';
import type { ResponseSlots } from './response-slots.js';

/** Text the server refuses at its grammar, always. */
const REFUSED_TEXT = 'BORDER0 REFUSED';
/** A statement name nobody prepares: a refused Bind names it, so the server refuses it. */
const REFUSED_STATEMENT = `__border0_refused_${process.pid}`;
const MAX_LOGGED_TEXT_OF_REFUSAL = 200;

interface Prepared {
  text: string;
  type?: QueryType | undefined;
}

export class ClientMessages {
  readonly #gate: StatementGate;
  readonly #slots: ResponseSlots;
  readonly #log: QueryLog | undefined;
  readonly #database: string;
  /** Refusals, for the session's events. */
  readonly #onRefusal: (statement: string, verdict: Extract<Verdict, { allowed: false }>) => void;
  readonly #statements = new Map<string, Prepared>();
  readonly #portals = new Map<string, Prepared & { parameters: (string | null)[] }>();

  constructor(options: {
    gate: StatementGate;
    slots: ResponseSlots;
    log: QueryLog | undefined;
    database: string;
    onRefusal: (statement: string, verdict: Extract<Verdict, { allowed: false }>) => void;
  }) {
    this.#gate = options.gate;
    this.#slots = options.slots;
    this.#log = options.log;
    this.#database = options.database;
    this.#onRefusal = options.onRefusal;
  }

  /** The bytes to send the server for `msg`. */
  async forward(msg: FrontendMessage): Promise<Buffer> {
    switch (msg.type) {
      case 'Q': {
        const text = msg.body.toString('utf8', 0, Math.max(0, msg.body.length - 1));
        const verdict = await this.#gate.judge(text);
        const entry = this.#begin('query', text, verdict);
        if (!verdict.allowed) {
          this.#slots.push({ kind: 'query', entry, refusal: await this.#refusal(text, verdict) });
          return queryMessage(REFUSED_TEXT);
        }
        this.#slots.push({ kind: 'query', entry });
        return msg.raw;
      }
      case 'P': {
        const { name, text } = readParse(msg.body);
        const verdict = await this.#gate.judge(text);
        this.#statements.set(name, { text, type: verdict.type });
        if (!verdict.allowed) {
          this.#slots.push({
            kind: 'parse',
            entry: this.#begin('prepare', text, verdict),
            refusal: await this.#refusal(text, verdict),
          });
          return parseMessage(name, REFUSED_TEXT);
        }
        this.#slots.push({ kind: 'parse' });
        return msg.raw;
      }
      case 'B': {
        const { portal, statement, parameters } = readBind(msg.body);
        const prepared = this.#statements.get(statement) ?? { text: `(statement ${statement || 'unnamed'})` };
        // Decided again: a policy change reaches statements prepared before it.
        const verdict = await this.#gate.judgeType(prepared.type);
        if (!verdict.allowed) {
          this.#portals.delete(portal);
          this.#slots.push({
            kind: 'bind',
            entry: this.#begin('execute', prepared.text, verdict, parameters),
            refusal: await this.#refusal(prepared.text, verdict),
          });
          return rebindTo(msg.body, REFUSED_STATEMENT);
        }
        this.#portals.set(portal, { ...prepared, parameters });
        this.#slots.push({ kind: 'bind' });
        return msg.raw;
      }
      case 'E': {
        const portal = this.#portals.get(msg.body.toString('utf8', 0, msg.body.indexOf(0)));
        const entry =
          portal &&
          this.#begin('execute', portal.text, { allowed: true, type: portal.type }, portal.parameters);
        this.#slots.push({ kind: 'execute', entry });
        return msg.raw;
      }
      case 'F': {
        // The fast-path function call (large objects): what it does is unknown, so it is `admin`.
        const verdict = await this.#gate.judgeType('admin');
        const text = `(function call, oid ${msg.body.readInt32BE(0)})`;
        const entry = this.#begin('function_call', text, verdict);
        if (!verdict.allowed) {
          this.#slots.push({ kind: 'function', entry, refusal: await this.#refusal(text, verdict) });
          const body = Buffer.from(msg.body);
          body.writeInt32BE(0, 0); // no function has oid 0
          return message('F', body);
        }
        this.#slots.push({ kind: 'function', entry });
        return msg.raw;
      }
      case 'D':
        this.#slots.push({ kind: 'describe' });
        return msg.raw;
      case 'C': {
        const name = msg.body.toString('utf8', 1, msg.body.indexOf(0, 1));
        if (msg.body[0] === 0x53 /* S */) this.#statements.delete(name);
        else this.#portals.delete(name);
        this.#slots.push({ kind: 'close' });
        return msg.raw;
      }
      case 'S':
        this.#slots.push({ kind: 'sync' });
        return msg.raw;
      default:
        // Flush, Terminate, COPY data and what the server rejects itself: nothing to decide or to wait for.
        return msg.raw;
    }
  }

  #begin(
    kind: 'query' | 'prepare' | 'execute' | 'function_call',
    statement: string,
    verdict: Verdict,
    parameters?: (string | null)[],
  ) {
    return this.#log?.begin({
      kind,
      database: this.#database,
      statement,
      parameters,
      query_type: verdict.type,
      refused: verdict.allowed ? undefined : verdict.reason,
    });
  }

  async #refusal(statement: string, verdict: Extract<Verdict, { allowed: false }>): Promise<Buffer> {
    this.#onRefusal(statement, verdict);
    return errorResponse({
      S: 'ERROR',
      V: 'ERROR',
      C: '42501',
      M: `border0: ${verdict.reason}`,
      D: `statement: ${statement.slice(0, MAX_LOGGED_TEXT_OF_REFUSAL)}`,
      H: await this.#gate.hint(),
      ...(verdict.position !== undefined && { P: String(verdict.position) }),
    });
  }
}
