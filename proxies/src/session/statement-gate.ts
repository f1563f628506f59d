/**
 * Decides each statement of a database session with the organization's current policies: which query types
 * the session may run on its database (asked again at most every second, so a policy change reaches running
 * sessions within a second), and, only where some type is refused, what the statement is (the protocol's
 * classifier: postgres/classify.ts, mysql/classify.ts).
 */
import type { AdmittedClient } from './client-admission.js';

export type QueryType = 'read_only' | 'read_write' | 'ddl' | 'admin';

/** What a classifier says of a statement's text, given the session's SQL-level prepared statements. */
export type Classification =
  | {
      ok: true;
      type: QueryType;
      statements: number;
      prepares?: { name: string; type: QueryType };
      executes?: string;
      /** Databases other than the session's that the statement names (MySQL's `other.t`): decided too. */
      databases?: string[] | undefined;
    }
  | { ok: false; reason: string; position?: number };

export type Classify = (text: string, prepared: ReadonlyMap<string, QueryType>) => Classification;

/** The query types from the least to the most demanding. */
const QUERY_TYPES: QueryType[] = ['read_only', 'read_write', 'ddl', 'admin'];

/** The more demanding of two query types: a statement is what the most demanding part of it is. */
export const maxType = (a: QueryType, b: QueryType): QueryType =>
  QUERY_TYPES.indexOf(a) >= QUERY_TYPES.indexOf(b) ? a : b;
const ALLOWED_TYPES_TTL_MS = 1000;
/** Statements longer than this are not parsed (the parser would hold every session for 100 ms and more). */
const MAX_CLASSIFIED_CHARS = 256 * 1024;

export type Verdict =
  | { allowed: true; type?: QueryType | undefined; databases?: string[] | undefined }
  | { allowed: false; type?: QueryType | undefined; reason: string; position?: number | undefined };

export class StatementGate {
  readonly #admitted: AdmittedClient;
  readonly #classify: Classify;
  #database: string;
  /** Whether statements may name other databases (MySQL): then only a grant on every database skips parsing. */
  readonly #crossDatabase: boolean;
  #allowed: { types: Set<QueryType>; everywhere: boolean; at: number } | undefined;
  /** SQL-level prepared statements (PREPARE name AS ...), by name, for EXECUTE. */
  readonly #prepared = new Map<string, QueryType>();

  constructor(
    admitted: AdmittedClient,
    database: string,
    classify: Classify,
    options: { crossDatabase?: boolean } = {},
  ) {
    this.#admitted = admitted;
    this.#database = database;
    this.#classify = classify;
    this.#crossDatabase = options.crossDatabase ?? false;
  }

  /** The database decisions are about: with none chosen (MySQL), only what every database allows ('*'). */
  get #decided(): string {
    return this.#database || '*';
  }

  get database(): string {
    return this.#database;
  }

  /** The session now works on another database (MySQL's USE): decisions are about that one. */
  switchTo(database: string): void {
    this.#database = database;
    this.#allowed = undefined;
  }

  /** The query types the session may run now. */
  async allowedTypes(): Promise<Set<QueryType>> {
    return (await this.#refresh()).types;
  }

  async #refresh() {
    const now = performance.now();
    if (this.#allowed && now - this.#allowed.at < ALLOWED_TYPES_TTL_MS) return this.#allowed;
    const allowedOn = async (database: string) => {
      const decisions = await Promise.all(
        QUERY_TYPES.map((query_type) => this.#admitted.decide({ type: 'database', database, query_type })),
      );
      return new Set(QUERY_TYPES.filter((_, i) => decisions[i]!.allowed));
    };
    const types = await allowedOn(this.#decided);
    const everywhere =
      types.size === QUERY_TYPES.length &&
      (!this.#crossDatabase || this.#decided === '*' || (await allowedOn('*')).size === QUERY_TYPES.length);
    this.#allowed = { types, everywhere, at: now };
    return this.#allowed;
  }

  /** Whether every statement is allowed whatever it is, so that none needs reading. */
  async unrestricted(): Promise<boolean> {
    return (await this.#refresh()).everywhere;
  }

  /** Decides the text of a Query or a Parse. */
  async judge(text: string): Promise<Verdict> {
    if (await this.unrestricted()) return { allowed: true };
    if (text.length > MAX_CLASSIFIED_CHARS) {
      return {
        allowed: false,
        reason: `statements over ${MAX_CLASSIFIED_CHARS} characters cannot be inspected, and this session’s query types are restricted`,
      };
    }
    const classification = this.#classify(text, this.#prepared);
    if (!classification.ok) {
      return {
        allowed: false,
        reason: `the statement could not be classified (${classification.reason}), and this session’s query types are restricted`,
        position: classification.position,
      };
    }
    if (classification.prepares)
      this.#prepared.set(classification.prepares.name, classification.prepares.type);
    return this.judgeClassified(classification.type, classification.databases);
  }

  /** Decides a statement whose type and named databases are known (one prepared before). */
  async judgeClassified(type: QueryType | undefined, databases: string[] = []): Promise<Verdict> {
    const verdict = await this.judgeType(type);
    if (!verdict.allowed || type === undefined) return verdict;
    for (const database of databases) {
      if (database === this.#database) continue;
      const other = await this.#admitted.decide({
        type: 'database',
        database,
        query_type: type,
      });
      if (!other.allowed) return { allowed: false, type, reason: other.reason };
    }
    return databases.length > 0 ? { ...verdict, databases } : verdict;
  }

  /** Decides a statement whose type is known (a Bind of a statement classified at its Parse). */
  async judgeType(type: QueryType | undefined): Promise<Verdict> {
    const { types, everywhere } = await this.#refresh();
    if (type === undefined) {
      return everywhere
        ? { allowed: true }
        : {
            allowed: false,
            reason: 'the statement was prepared before this session’s query types were restricted',
          };
    }
    if (types.has(type)) return { allowed: true, type };
    const decision = await this.#admitted.decide({
      type: 'database',
      database: this.#decided,
      query_type: type,
    });
    return decision.allowed ? { allowed: true, type } : { allowed: false, type, reason: decision.reason };
  }

  /** Which query types are allowed on the database, in words for a refusal's hint. */
  async hint(): Promise<string> {
    const types = [...(await this.allowedTypes())];
    return types.length === 0
      ? `no query is allowed on ${this.#decided}`
      : `allowed on ${this.#decided}: ${types.join(', ')}`;
  }
}
