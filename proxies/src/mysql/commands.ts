/**
 * What the proxy does with each command of a logged-in MySQL client: decide it (statements, prepared
 * statements, database switches), tell the response tracker what the answer will look like, start its
 * query-log lines, and forward it unchanged; or answer a refused command with an ERR of its own (MySQL errors
 * do not abort a transaction, so a local answer is what the server itself would do) and go on.
 */
import type { QueryLog } from '../recording/query-log.js';
import type { StatementGate } from '../session/statement-gate.js';
import type { Packet } from './packets.js';
import { errPacket } from './packets.js';
import { PreparedStatements } from './prepared-statements.js';
import { QueryCommand, type Refusal } from './query-command.js';
import type { ResponseTracker } from './response-tracker.js';
import { threadOwners } from './thread-owners.js';

const COM = {
  QUIT: 0x01,
  INIT_DB: 0x02,
  QUERY: 0x03,
  FIELD_LIST: 0x04,
  STATISTICS: 0x09,
  PROCESS_INFO: 0x0a,
  PROCESS_KILL: 0x0c,
  PING: 0x0e,
  CHANGE_USER: 0x11,
  STMT_PREPARE: 0x16,
  STMT_EXECUTE: 0x17,
  STMT_SEND_LONG_DATA: 0x18,
  STMT_CLOSE: 0x19,
  STMT_RESET: 0x1a,
  SET_OPTION: 0x1b,
  STMT_FETCH: 0x1c,
  RESET_CONNECTION: 0x1f,
} as const;

export interface CommandContext {
  gate: StatementGate;
  tracker: ResponseTracker;
  log: QueryLog | undefined;
  socketId: string;
  identity: string;
  /** The upstream session runs in read-only transaction mode, which a connection reset would undo. */
  readOnlyGuard: boolean;
  /** The client's character set may hide a backslash inside a character. */
  backslashUnsafe: boolean;
  decideDatabase(database: string): Promise<{ allowed: boolean; reason: string }>;
  onRefusal(statement: string, refusal: Refusal): void;
  onSwitch(database: string): void;
  /** The upstream broke the rules (a LOCAL INFILE request nobody made): the session ends. */
  onBreach(reason: string): void;
}

export interface Outcome {
  /** Bytes for the server. */
  forward?: Buffer;
  /** Bytes for the client, now. */
  reply?: Buffer;
  quit?: boolean;
}

export class ClientCommands {
  readonly #ctx: CommandContext;
  readonly #query: QueryCommand;
  readonly #prepared: PreparedStatements;
  /** The client is sending a LOCAL INFILE's contents: data packets until an empty one. */
  #infile = false;

  constructor(ctx: CommandContext) {
    this.#ctx = ctx;
    this.#query = new QueryCommand(ctx, () => {
      this.#infile = true;
    });
    this.#prepared = new PreparedStatements(ctx, this.#query, (code, reason) => this.#refuse(code, reason));
  }

  async handle(packet: Packet): Promise<Outcome> {
    if (this.#infile) {
      if (packet.payload.length === 0) this.#infile = false;
      return { forward: packet.raw };
    }
    const { tracker, gate } = this.#ctx;
    const command = packet.payload[0];
    const raw = packet.raw;
    const pass = (expectation: Parameters<ResponseTracker['expect']>[0]): Outcome => {
      tracker.expect(expectation);
      return { forward: raw };
    };
    switch (command) {
      case COM.QUIT:
        return { forward: raw, quit: true };
      case COM.QUERY:
        return this.#query.handle(packet);
      case COM.INIT_DB:
        return this.#initDb(packet);
      case COM.STMT_PREPARE:
        return this.#prepared.prepare(packet);
      case COM.STMT_EXECUTE:
        return this.#prepared.execute(packet);
      case COM.STMT_FETCH:
        return pass({ kind: 'result', rows: true, onResult: () => {} });
      case COM.STMT_CLOSE:
        this.#prepared.close(packet.payload.readUInt32LE(1));
        return { forward: raw };
      case COM.STMT_SEND_LONG_DATA:
        return { forward: raw };
      case COM.STMT_RESET:
      case COM.PING:
      case COM.SET_OPTION:
      case COM.STATISTICS:
        return pass({ kind: 'one' });
      case COM.RESET_CONNECTION:
        if (this.#ctx.readOnlyGuard)
          return this.#refuse(1227, 'COM_RESET_CONNECTION would lift the session’s read-only mode');
        this.#prepared.clear();
        return pass({ kind: 'one' });
      case COM.FIELD_LIST:
      case COM.PROCESS_INFO: {
        const verdict = await gate.judgeType('read_only');
        if (!verdict.allowed) return this.#refuse(1142, verdict.reason);
        return pass(command === COM.FIELD_LIST ? { kind: 'fields' } : { kind: 'result', onResult: () => {} });
      }
      case COM.PROCESS_KILL: {
        const thread = packet.payload.length >= 5 ? packet.payload.readUInt32LE(1) : -1;
        if (!threadOwners.owns(this.#ctx.socketId, thread, this.#ctx.identity)) {
          const verdict = await gate.judgeType('admin');
          if (!verdict.allowed) return this.#refuse(1227, verdict.reason);
        }
        return pass({ kind: 'one' });
      }
      case COM.CHANGE_USER:
        return this.#refuse(1227, 'COM_CHANGE_USER is not allowed');
      default:
        return this.#refuse(1047, `unknown or unsupported command ${command ?? 'none'}`, '08S01');
    }
  }

  #refuse(code: number, reason: string, sqlState = '42000'): Outcome {
    const reply = this.#ctx.tracker.expect({
      kind: 'local',
      packet: errPacket(1, code, sqlState, `border0: ${reason}`),
    });
    return reply ? { reply } : {};
  }

  async #initDb(packet: Packet): Promise<Outcome> {
    const database = packet.payload.toString('utf8', 1);
    const decision = await this.#ctx.decideDatabase(database);
    const entry = this.#ctx.log?.begin({
      kind: 'init_db',
      database,
      statement: `USE ${database}`,
      refused: decision.allowed ? undefined : decision.reason,
    });
    if (!decision.allowed) {
      entry?.finish({});
      this.#ctx.onRefusal(`USE ${database}`, { reason: decision.reason, code: 1044 });
      return this.#refuse(1044, decision.reason);
    }
    this.#ctx.tracker.expect({
      kind: 'one',
      onDone: (ok, error) => {
        entry?.finish({ error });
        if (ok) this.#ctx.onSwitch(database);
      },
    });
    return { forward: packet.raw };
  }
}
