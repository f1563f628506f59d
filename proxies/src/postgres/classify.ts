/**
 * What a PostgreSQL statement does, in the policy's words (`read_only`, `read_write`, `ddl`, `admin`), read
 * with PostgreSQL's own parser (libpg-query, WebAssembly). The whole tree is walked, so a write hides nowhere:
 * not in a CTE, a subquery, `EXPLAIN ANALYZE`, `COPY (...)` or a prepared statement; locking reads, functions
 * with side effects we can name and settings that undo the proxy's guards count as what they do. What the
 * parser cannot read is `unparseable`, and refused wherever query types are restricted (fail closed).
 */
import { loadModule, parseSync } from 'libpg-query';
import { type Classification, maxType as max, type QueryType } from '../session/statement-gate.js';

export type { QueryType };

let loading: Promise<void> | undefined;
/** Loads the parser (once, ~30 ms); classify() needs it done. */
export function loadClassifier(): Promise<void> {
  loading ??= loadModule();
  return loading;
}

/** Functions that change the server or reach outside the database. */
const ADMIN_FUNCTIONS = new Set([
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'set_config',
  'pg_read_file',
  'pg_read_binary_file',
  'pg_ls_dir',
  'pg_stat_file',
  'pg_file_write',
  'lo_import',
  'lo_export',
  'lo_unlink',
  'lo_create',
  'lo_creat',
  'lo_put',
  'lo_from_bytea',
  'lowrite',
  'lo_truncate',
  'pg_switch_wal',
  'pg_create_restore_point',
  'pg_backup_start',
  'pg_backup_stop',
  'pg_promote',
  'pg_logical_emit_message',
  'pg_create_physical_replication_slot',
  'pg_create_logical_replication_slot',
  'pg_drop_replication_slot',
  'pg_replication_origin_create',
  'pg_replication_origin_drop',
  'query_to_xml',
  'query_to_xml_and_xmlschema',
  'query_to_xmlschema',
  'cursor_to_xml',
  'dblink',
  'dblink_exec',
  'dblink_connect',
  'dblink_send_query',
  'pg_import_system_collations',
  'pg_stat_reset',
  'pg_stat_reset_shared',
  'pg_wal_replay_pause',
]);
/** Functions that write data. */
const WRITE_FUNCTIONS = new Set(['nextval', 'setval', 'lo_write', 'pg_advisory_xact_lock_shared']);
/** Settings that would undo the proxy's read-only and string-reading guards, or change who the session is. */
const GUARDED_SETTINGS = new Set([
  'default_transaction_read_only',
  'transaction_read_only',
  'standard_conforming_strings',
  'role',
  'session_authorization',
  'session_replication_role',
]);

const READ_ONLY_STATEMENTS = new Set([
  'SelectStmt',
  'VariableShowStmt',
  'ExplainStmt',
  'FetchStmt',
  'ClosePortalStmt',
  'DeallocateStmt',
  'DiscardStmt',
  'ListenStmt',
  'UnlistenStmt',
  'DeclareCursorStmt',
  'TransactionStmt',
  'PrepareStmt',
  'ExecuteStmt',
  'VariableSetStmt',
  'CopyStmt',
]);
const WRITE_STATEMENTS = new Set([
  'InsertStmt',
  'UpdateStmt',
  'DeleteStmt',
  'MergeStmt',
  'LockStmt',
  'NotifyStmt',
  'CallStmt',
  'RefreshMatViewStmt',
]);
const ADMIN_STATEMENTS = new Set([
  'GrantStmt',
  'GrantRoleStmt',
  'CreateRoleStmt',
  'AlterRoleStmt',
  'AlterRoleSetStmt',
  'DropRoleStmt',
  'AlterSystemStmt',
  'CreatedbStmt',
  'DropdbStmt',
  'AlterDatabaseStmt',
  'AlterDatabaseSetStmt',
  'LoadStmt',
  'ReassignOwnedStmt',
  'DropOwnedStmt',
  'DoStmt',
  'CheckPointStmt',
  'VacuumStmt',
  'ClusterStmt',
  'ReindexStmt',
  'CreateTableSpaceStmt',
  'DropTableSpaceStmt',
  'CreateSubscriptionStmt',
  'AlterSubscriptionStmt',
  'DropSubscriptionStmt',
  'CreatePublicationStmt',
  'AlterPublicationStmt',
  'CreateExtensionStmt',
  'AlterExtensionStmt',
  'CreateFdwStmt',
  'CreateForeignServerStmt',
  'CreateUserMappingStmt',
  'SecLabelStmt',
  'AlterDefaultPrivilegesStmt',
  'CreateEventTrigStmt',
  'AlterSystemStmt',
  'AlterOwnerStmt',
]);

/** `prepared` gives the types of the session's SQL-level prepared statements, for EXECUTE. */
export function classify(text: string, prepared: ReadonlyMap<string, QueryType> = new Map()): Classification {
  if (text.trim() === '' || /^[\s;]*$/.test(text)) return { ok: true, type: 'read_only', statements: 0 };
  let tree: { stmts: { stmt: Record<string, unknown> }[] };
  try {
    tree = parseSync(text) as typeof tree;
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    return {
      ok: false,
      reason: (error as Error).message,
      ...(details?.cursorPosition !== undefined && { position: details.cursorPosition + 1 }),
    };
  }
  let type: QueryType = 'read_only';
  let prepares: { name: string; type: QueryType } | undefined;
  let executes: string | undefined;
  for (const { stmt } of tree.stmts) {
    const [kind, node] = Object.entries(stmt)[0] as [string, Record<string, unknown>];
    let own = statementType(kind, node);
    if (kind === 'ExecuteStmt') {
      executes = String(node.name);
      const known = prepared.get(executes);
      if (known === undefined)
        return { ok: false, reason: `the prepared statement ${executes} is not known to the proxy` };
      own = max(own, known);
    }
    const inner = walk(node);
    if (kind === 'PrepareStmt') prepares = { name: String(node.name), type: max(own, inner) };
    // PREPARE itself runs nothing; EXECUTE runs what was prepared.
    type = max(type, kind === 'PrepareStmt' ? 'read_only' : max(own, inner));
  }
  return {
    ok: true,
    type,
    statements: tree.stmts.length,
    ...(prepares && { prepares }),
    ...(executes !== undefined && { executes }),
  };
}

function statementType(kind: string, node: Record<string, unknown>): QueryType {
  if (kind === 'VariableSetStmt') return settingType(node);
  if (kind === 'TransactionStmt') return optionsWrite(node.options) ? 'read_write' : 'read_only';
  if (kind === 'CopyStmt') {
    if (node.filename !== undefined || node.is_program) return 'admin';
    return node.is_from ? 'read_write' : 'read_only';
  }
  if (READ_ONLY_STATEMENTS.has(kind)) return 'read_only';
  if (WRITE_STATEMENTS.has(kind)) return 'read_write';
  if (ADMIN_STATEMENTS.has(kind)) return 'admin';
  // Every other statement defines, changes or drops objects (CREATE, ALTER, DROP, TRUNCATE, COMMENT, ...).
  return 'ddl';
}

function settingType(node: Record<string, unknown>): QueryType {
  const name = String(node.name ?? '').toLowerCase();
  if (GUARDED_SETTINGS.has(name) || node.kind === 'VAR_RESET_ALL') return 'admin';
  // SET TRANSACTION READ WRITE, SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE
  if (name === 'transaction' || name === 'session characteristics')
    return optionsWrite(node.args) ? 'read_write' : 'read_only';
  return 'read_only';
}

/** Whether transaction options say `READ WRITE` (transaction_read_only = 0). */
function optionsWrite(options: unknown): boolean {
  if (!Array.isArray(options)) return false;
  return options.some((option) => {
    const def = (
      option as { DefElem?: { defname?: string; arg?: { A_Const?: { ival?: { ival?: number } } } } }
    ).DefElem;
    return def?.defname === 'transaction_read_only' && (def.arg?.A_Const?.ival?.ival ?? 0) === 0;
  });
}

/** The most demanding thing anywhere under `node`. */
function walk(node: unknown): QueryType {
  let type: QueryType = 'read_only';
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (WRITE_STATEMENTS.has(key)) type = max(type, 'read_write');
      else if (key === 'lockingClause') type = max(type, 'read_write');
      else if (key === 'intoClause') type = max(type, 'ddl');
      else if (key === 'FuncCall') type = max(type, functionType(child));
      visit(child);
    }
  };
  visit(node);
  return type;
}

function functionType(call: unknown): QueryType {
  const names = (call as { funcname?: { String?: { sval?: string } }[] }).funcname ?? [];
  const name = names.at(-1)?.String?.sval?.toLowerCase() ?? '';
  if (ADMIN_FUNCTIONS.has(name)) return 'admin';
  if (WRITE_FUNCTIONS.has(name)) return 'read_write';
  return 'read_only';
}
