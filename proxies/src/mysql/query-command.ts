/**
 * COM_QUERY: the text is cut into statements by the lexer (a multi-statement query runs all of them), each is
 * decided on the database it will run in (a `USE` part-way switches it, and is decided itself), and the query is
 * refused whole when one statement is refused: nothing of it runs. One query-log line per statement, finished
 * by its own result. `LOAD DATA LOCAL INFILE` makes the server ask the client for the file: only a statement
 * that was decided as such may do that.
 */
import type { QueryType, Verdict } from '../session/statement-gate.js';
import { SERVER_STATUS } from './capabilities.js';
import type { CommandContext, Outcome } from './commands.js';
import { type LexedStatement, splitStatements } from './lexer.js';
import { errPacket, type Packet } from './packets.js';
import { threadOwners } from './thread-owners.js';

export interface Refusal {
  code: number;
  reason: string;
  type?: QueryType | undefined;
}

interface Judged {
  statement: LexedStatement;
  database: string;
  type?: QueryType | undefined;
  use?: string | undefined;
  localInfile?: boolean;
  databases?: string[] | undefined;
}

const USE = /^use\s+(`(?:[^`]|``)+`|[^\s`]+)$/i;
const KILL = /^kill\s+(?:(?:query|connection)\s+)?(\d+)$/i;
const LOAD_LOCAL = /^load\s+(?:data|xml)\s+(?:(?:low_priority|concurrent)\s+)?local\b/i;

export class QueryCommand {
  readonly #ctx: CommandContext;
  readonly #startInfile: () => void;

  constructor(ctx: CommandContext, startInfile: () => void) {
    this.#ctx = ctx;
    this.#startInfile = startInfile;
  }

  async handle(packet: Packet): Promise<Outcome> {
    const ctx = this.#ctx;
    const text = packet.payload.toString('utf8', 1);
    const judged = await this.#judge(text);
    if ('refusal' in judged) {
      ctx.log
        ?.begin({
          kind: 'query',
          database: ctx.gate.database,
          statement: text,
          query_type: judged.refusal.type,
          refused: judged.refusal.reason,
        })
        .finish({});
      ctx.onRefusal(text, judged.refusal);
      const reply = ctx.tracker.expect({
        kind: 'local',
        packet: errPacket(1, judged.refusal.code, '42000', `border0: ${judged.refusal.reason}`),
      });
      return reply ? { reply } : {};
    }
    const { statements, unrestricted } = judged;
    const entries = statements.map((j) =>
      ctx.log?.begin({
        kind: 'query',
        database: j.database,
        statement: j.statement.text,
        query_type: j.type,
      }),
    );
    const infileAllowed = unrestricted || statements.some((j) => j.localInfile);
    let index = 0;
    let rows = 0;
    ctx.tracker.expect({
      kind: 'result',
      onInfile: () =>
        infileAllowed
          ? this.#startInfile()
          : ctx.onBreach('the upstream asked for a local file that no statement named'),
      onResult: (end, more) => {
        rows += end.rows ?? 0;
        // A CALL's several results belong to it: only the last statement's entry takes them all.
        if (more && !end.error && index >= entries.length - 1) return;
        entries[index]?.finish({ rows, error: end.error });
        const use = statements[index]?.use;
        if (use !== undefined && !end.error) ctx.onSwitch(use);
        rows = 0;
        index++;
        if (more) return;
        for (; index < entries.length; index++) {
          entries[index]?.finish({
            error: { code: 'skipped', message: 'not run: an earlier statement of the query failed' },
          });
        }
      },
    });
    return { forward: packet.raw };
  }

  /** Decides the text of a COM_STMT_PREPARE (one statement, but the lexer's view all the same). */
  async judgeText(text: string): Promise<Verdict> {
    const judged = await this.#judge(text);
    if ('refusal' in judged)
      return { allowed: false, type: judged.refusal.type, reason: judged.refusal.reason };
    const [only, ...more] = judged.statements;
    // The server prepares one statement; several are its error to give.
    return more.length === 0 && only
      ? { allowed: true, type: only.type, databases: only.databases }
      : { allowed: true };
  }

  /** The ERR code and words of a refused statement. */
  refusal(verdict: Extract<Verdict, { allowed: false }>, text: string): Refusal {
    const code = LOAD_LOCAL.test(text.trim()) ? 1148 : verdict.type === 'admin' ? 1227 : 1142;
    return { code, reason: verdict.reason, type: verdict.type };
  }

  async #judge(
    text: string,
  ): Promise<{ refusal: Refusal } | { statements: Judged[]; unrestricted: boolean }> {
    const { gate, tracker } = this.#ctx;
    const noBackslashEscapes = (tracker.status & SERVER_STATUS.NO_BACKSLASH_ESCAPES) !== 0;
    const statements = splitStatements(text, { noBackslashEscapes });
    const original = gate.database;
    const judged: Judged[] = [];
    let unrestricted = true;
    try {
      for (const statement of statements) {
        const { code } = statement;
        const use = USE.exec(code);
        if (use) {
          const target = use[1]!.startsWith('`') ? use[1]!.slice(1, -1).replaceAll('``', '`') : use[1]!;
          const decision = await this.#ctx.decideDatabase(target);
          if (!decision.allowed) return { refusal: { code: 1044, reason: decision.reason } };
          judged.push({ statement, database: gate.database, type: 'read_only', use: target });
          if (target !== gate.database) gate.switchTo(target);
          continue;
        }
        const kill = KILL.exec(code);
        if (kill && threadOwners.owns(this.#ctx.socketId, Number(kill[1]), this.#ctx.identity)) {
          judged.push({ statement, database: gate.database });
          continue;
        }
        const free = await gate.unrestricted();
        unrestricted &&= free;
        if (!free && this.#ctx.backslashUnsafe && code.includes('\\')) {
          const reason = 'statements with a backslash cannot be inspected in the session’s character set';
          return { refusal: { code: 1142, reason } };
        }
        const verdict = await gate.judge(code);
        if (!verdict.allowed) {
          const refusal = this.refusal(verdict, code);
          return { refusal: { ...refusal, reason: `${refusal.reason} (${await gate.hint()})` } };
        }
        judged.push({
          statement,
          database: gate.database,
          type: verdict.type,
          localInfile: LOAD_LOCAL.test(code),
        });
      }
    } finally {
      if (gate.database !== original) gate.switchTo(original);
    }
    return { statements: judged, unrestricted };
  }
}
