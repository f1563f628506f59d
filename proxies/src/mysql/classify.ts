/**
 * What one MySQL statement (the lexer's code: executable comments already in) does, in the policy's words,
 * read with node-sql-parser's MySQL grammar, and, where that grammar has no rule for statements every client
 * sends (SET NAMES, SHOW variants, KILL, PREPARE/EXECUTE, DO...), by its leading keywords. Databases other
 * than the session's that the statement names (`other.t`, `CREATE DATABASE d`) are listed, to be decided
 * too. Whatever cannot be read is `unparseable`: refused wherever query types are restricted (fail closed).
 * Stored routines can write from a SELECT or a CALL: the upstream's read-only transaction mode is the guard
 * for those (mysql-socket.ts).
 */
import sqlParser from 'node-sql-parser/build/mysql.js';
import { type Classification, maxType, type QueryType } from '../session/statement-gate.js';
import { BACKSLASH_UNSAFE_CHARSET_NAMES, fallback } from './classify-fallback.js';

const parser = new sqlParser.Parser();

/** Session settings a restricted session may not change: they undo the proxy's guards or the server's logs. */
const GUARDED_SETTINGS = new Set([
  'transaction_read_only',
  'tx_read_only',
  'session_track_transaction_info',
  'sql_mode',
  'sql_log_bin',
  'sql_log_off',
  'character_set_client',
  'character_set_connection',
  'collation_connection',
  'pseudo_thread_id',
  'pseudo_slave_mode',
  'gtid_next',
  'skip_replication',
  'sql_safe_updates',
]);
/** Functions that reach outside the database. */
const ADMIN_FUNCTIONS = new Set(['load_file', 'sys_exec', 'sys_eval']);

type Ast = Record<string, unknown>;

export type MysqlClassification = Classification & { localInfile?: boolean };

export function classifyStatement(
  code: string,
  prepared: ReadonlyMap<string, QueryType>,
): MysqlClassification {
  let parsed: { ast: Ast | Ast[]; tableList: string[] };
  try {
    parsed = parser.parse(code, { database: 'MySQL' }) as never;
  } catch (error) {
    return fallback(code, prepared, (error as Error).message.split('\n')[0] ?? 'syntax error');
  }
  const asts = Array.isArray(parsed.ast) ? parsed.ast : [parsed.ast];
  if (asts.length === 0 || asts.some((ast) => !ast))
    return { ok: false, reason: 'nothing the parser could read' };
  let type: QueryType = 'read_only';
  let localInfile = false;
  const databases = new Set<string>();
  for (const ast of asts) {
    const one = typeOf(ast);
    if (one === undefined) return fallback(code, prepared, `no rule for ${String(ast.type)} statements`);
    type = maxType(type, one);
    if (ast.type === 'load_data' && ast.local) localInfile = true;
    const walked = walk(ast);
    if (walked.functions.some((name) => ADMIN_FUNCTIONS.has(name))) type = 'admin';
    for (const db of walked.databases) databases.add(db);
    const named = databaseOf(ast);
    if (named) databases.add(named);
  }
  for (const entry of parsed.tableList) {
    const db = entry.split('::')[1];
    if (db && db !== 'null') databases.add(db);
  }
  return {
    ok: true,
    type,
    statements: asts.length,
    ...(databases.size > 0 && { databases: [...databases] }),
    ...(localInfile && { localInfile }),
  };
}

function typeOf(ast: Ast): QueryType | undefined {
  const keyword = String(ast.keyword ?? '').toLowerCase();
  switch (ast.type) {
    case 'select': {
      const into = (ast.into as { keyword?: string } | null)?.keyword?.toLowerCase();
      if (into === 'outfile' || into === 'dumpfile') return 'admin';
      return ast.locking_read ? 'read_write' : 'read_only';
    }
    case 'insert':
    case 'replace':
    case 'update':
    case 'delete':
    case 'call':
      return 'read_write';
    case 'load_data':
      // Without LOCAL the server reads its own files.
      return ast.local ? 'read_write' : 'admin';
    case 'create':
    case 'alter':
    case 'drop':
    case 'rename':
    case 'truncate':
      return keyword === 'user' || keyword === 'role' ? 'admin' : 'ddl';
    case 'grant':
    case 'revoke':
      return 'admin';
    case 'use':
    case 'show':
    case 'desc':
    case 'unlock':
      return 'read_only';
    case 'explain':
      return typeOf(ast.expr as Ast);
    case 'lock': {
      const tables = (ast.tables as { lock_type?: { type?: string } }[] | undefined) ?? [];
      return tables.every((t) => t.lock_type?.type === 'read') ? 'read_only' : 'read_write';
    }
    case 'transaction': {
      const modes = ((ast.expr as { modes?: { value?: string }[] | null }).modes ?? []).map((m) => m.value);
      return modes.some((m) => /read\s+write/i.test(m ?? '')) ? 'read_write' : 'read_only';
    }
    case 'set':
      return setType(ast);
    default:
      return undefined;
  }
}

function setType(ast: Ast): QueryType {
  const keyword = String(ast.keyword ?? '').toUpperCase();
  if (keyword === 'GLOBAL' || keyword.startsWith('PERSIST')) return 'admin';
  let type: QueryType = 'read_only';
  for (const assign of (ast.expr as Ast[] | undefined) ?? []) {
    const left = assign.left as { name?: string; members?: string[]; prefix?: string | null };
    if (left.prefix === '@') continue; // a user variable
    let name = (left.name ?? '').toLowerCase();
    const members = left.members ?? [];
    if (left.prefix === '@@' && ['global', 'persist', 'persist_only'].includes(name)) return 'admin';
    if (left.prefix === '@@' && ['session', 'local'].includes(name) && members[0])
      name = members[0].toLowerCase();
    if (GUARDED_SETTINGS.has(name)) type = 'admin';
    const value = String((assign.right as { value?: unknown } | undefined)?.value ?? '').toLowerCase();
    if (name.startsWith('character_set') && BACKSLASH_UNSAFE_CHARSET_NAMES.has(value)) type = 'admin';
  }
  return type;
}

function databaseOf(ast: Ast): string | undefined {
  if (ast.type === 'use') return String(ast.db);
  if (ast.keyword !== 'database' && ast.keyword !== 'schema') return undefined;
  if (typeof ast.name === 'string') return ast.name;
  const schema = (ast.database as { schema?: { value?: string }[] } | undefined)?.schema;
  return schema?.[0]?.value;
}

/** Every function called (lower-cased) and every database named (`db` of a table) anywhere in the tree. */
function walk(node: unknown, found = { functions: [] as string[], databases: [] as string[] }) {
  if (Array.isArray(node)) for (const item of node) walk(item, found);
  else if (node && typeof node === 'object') {
    const record = node as Ast;
    if (record.type === 'function') {
      const parts = (record.name as { name?: { value?: string }[] } | undefined)?.name ?? [];
      const last = parts.at(-1)?.value;
      if (last) found.functions.push(last.toLowerCase());
    }
    if (typeof record.db === 'string' && 'table' in record) found.databases.push(record.db);
    for (const value of Object.values(record)) walk(value, found);
  }
  return found;
}
