/**
 * Prepared statements (COM_STMT_PREPARE, COM_STMT_EXECUTE): the text is decided when it is prepared, and its
 * type decided again at each execution, so that a policy change reaches statements prepared before it; each
 * execution is logged with its parameters.
 */
import type { Verdict } from '../session/statement-gate.js';
import { readExecuteParameters } from './binary-params.js';
import type { CommandContext, Outcome } from './commands.js';
import type { Packet } from './packets.js';
import type { QueryCommand } from './query-command.js';

interface Prepared {
  text: string;
  verdict: Verdict;
  params: number;
  types?: Buffer | undefined;
}

export class PreparedStatements {
  readonly #ctx: CommandContext;
  readonly #query: QueryCommand;
  readonly #refuse: (code: number, reason: string) => Outcome;
  readonly #statements = new Map<number, Prepared>();
  #lastPrepared = 0;

  constructor(ctx: CommandContext, query: QueryCommand, refuse: (code: number, reason: string) => Outcome) {
    this.#ctx = ctx;
    this.#query = query;
    this.#refuse = refuse;
  }

  close(id: number): void {
    this.#statements.delete(id);
  }

  clear(): void {
    this.#statements.clear();
  }

  async prepare(packet: Packet): Promise<Outcome> {
    const text = packet.payload.toString('utf8', 1);
    const verdict = await this.#query.judgeText(text);
    const entry = this.#ctx.log?.begin({
      kind: 'prepare',
      database: this.#ctx.gate.database,
      statement: text,
      query_type: verdict.type,
      refused: verdict.allowed ? undefined : verdict.reason,
    });
    if (!verdict.allowed) {
      entry?.finish({});
      const refusal = this.#query.refusal(verdict, text);
      this.#ctx.onRefusal(text, refusal);
      return this.#refuse(refusal.code, refusal.reason);
    }
    this.#ctx.tracker.expect({
      kind: 'prepare',
      onPrepared: (id, params, error) => {
        entry?.finish({ error });
        if (error) return;
        this.#statements.set(id, { text, verdict, params });
        this.#lastPrepared = id;
      },
    });
    return { forward: packet.raw };
  }

  async execute(packet: Packet): Promise<Outcome> {
    const id = packet.payload.length >= 5 ? packet.payload.readUInt32LE(1) : 0;
    // MariaDB: -1 names the statement prepared last.
    const prepared = this.#statements.get(id === 0xffffffff ? this.#lastPrepared : id);
    const text = prepared?.text ?? `(statement ${id})`;
    const type = prepared?.verdict.type;
    const verdict = await this.#ctx.gate.judgeClassified(
      type,
      prepared?.verdict.allowed ? prepared.verdict.databases : [],
    );
    let parameters: (string | null)[] | undefined;
    if (prepared) {
      try {
        const read = readExecuteParameters(packet.payload, prepared.params, prepared.types);
        prepared.types = read.types;
        parameters = read.values;
      } catch {
        parameters = undefined; // long data or a malformed packet: the server will say
      }
    }
    const entry = this.#ctx.log?.begin({
      kind: 'execute',
      database: this.#ctx.gate.database,
      statement: text,
      parameters,
      query_type: verdict.type,
      refused: verdict.allowed ? undefined : verdict.reason,
    });
    if (!verdict.allowed) {
      entry?.finish({});
      const refusal = this.#query.refusal(verdict, text);
      this.#ctx.onRefusal(text, refusal);
      return this.#refuse(refusal.code, refusal.reason);
    }
    let rows = 0;
    this.#ctx.tracker.expect({
      kind: 'result',
      onResult: (end, more) => {
        rows += end.rows ?? 0;
        if (!more) entry?.finish({ rows, error: end.error });
      },
    });
    return { forward: packet.raw };
  }
}
