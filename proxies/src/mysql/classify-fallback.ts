/**
 * MySQL statements node-sql-parser has no rule for, classified by their leading keywords: only forms whose
 * effect the keywords alone settle. Anything else stays unparseable (refused when query types are restricted).
 */
import type { Classification, QueryType } from '../session/statement-gate.js';
import { maxType } from '../session/statement-gate.js';
import { classifyStatement } from './classify.js';
import { unquote } from './lexer.js';

/** Character sets in which a multibyte character may hold a backslash byte (0x5C). */
export const BACKSLASH_UNSAFE_CHARSET_NAMES = new Set(['gbk', 'big5', 'sjis', 'cp932', 'gb18030']);

const ADMIN_KEYWORDS = new Set([
  'flush',
  'reset',
  'purge',
  'install',
  'uninstall',
  'shutdown',
  'restart',
  'change',
  'optimize',
  'repair',
  'check',
  'checksum',
  'analyze',
  'cache',
  'binlog',
  'kill',
  'start', // START SLAVE/REPLICA (START TRANSACTION parses)
  'stop',
]);
const READ_ONLY_KEYWORDS = new Set(['show', 'help', 'savepoint', 'release']);
const IDENT = String.raw`(\`(?:[^\`]|\`\`)+\`|[\w$]+)`;

export function fallback(
  code: string,
  prepared: ReadonlyMap<string, QueryType>,
  parserMessage: string,
): Classification {
  const ok = (
    type: QueryType,
    extra: Partial<Extract<Classification, { ok: true }>> = {},
  ): Classification => ({
    ok: true,
    type,
    statements: 1,
    ...extra,
  });
  const unparseable: Classification = { ok: false, reason: parserMessage };
  const words = code.toLowerCase().split(/\s+/);
  const first = words[0] ?? '';
  if (READ_ONLY_KEYWORDS.has(first)) return ok('read_only');
  if (ADMIN_KEYWORDS.has(first)) return ok('admin');
  if (first === 'set') {
    const names = /^set\s+(?:names|character\s+set|charset)\s+['"`]?(\w+)/i.exec(code);
    if (names) return ok(BACKSLASH_UNSAFE_CHARSET_NAMES.has(names[1]!.toLowerCase()) ? 'admin' : 'read_only');
    const transaction = /^set\s+(global\s+|session\s+|local\s+)?transaction\b(.*)$/is.exec(code);
    if (transaction) {
      if (transaction[1]?.trim().toLowerCase() === 'global') return ok('admin');
      return ok(/read\s+write/i.test(transaction[2]!) ? 'read_write' : 'read_only');
    }
    return unparseable;
  }
  if (first === 'rollback' && words[1] === 'to') return ok('read_only');
  if ((first === 'deallocate' || first === 'drop') && words[1] === 'prepare') return ok('read_only');
  if (first === 'xa') return ok('read_write');
  if (first === 'prepare') {
    const match = new RegExp(String.raw`^prepare\s+${IDENT}\s+from\s+(.+)$`, 'is').exec(code);
    const text = match && unquote(match[2]!.trim(), { noBackslashEscapes: false });
    if (!match || typeof text !== 'string')
      return { ok: false, reason: 'PREPARE ... FROM a variable cannot be inspected' };
    const inner = classifyStatement(text, prepared);
    if (!inner.ok) return inner;
    return ok(inner.type, { prepares: { name: identifier(match[1]!), type: inner.type } });
  }
  if (first === 'execute') {
    const match = new RegExp(String.raw`^execute\s+${IDENT}`, 'i').exec(code);
    const type = match && prepared.get(identifier(match[1]!));
    if (!match || !type)
      return { ok: false, reason: 'EXECUTE of a statement the proxy did not see prepared' };
    return ok(type, { executes: identifier(match[1]!) });
  }
  if (first === 'do' || first === 'handler') {
    // DO SLEEP(1) is harmless, but a function call can be anything: only calls of no function pass.
    return /[\w`]\s*\(/.test(code.slice(first.length)) ? unparseable : ok('read_only');
  }
  if (first === 'explain' || first === 'describe' || first === 'desc') {
    const inner = code.replace(/^\w+(\s+(extended|partitions|analyze|format\s*=\s*\w+))*\s+/i, '');
    if (/^analyze\b/i.test(code.slice(first.length).trim())) return ok('admin');
    const classified = inner === code ? unparseable : classifyStatement(inner, prepared);
    return classified.ok ? ok(classified.type, { databases: classified.databases }) : classified;
  }
  if (first === 'select' && /\bfor\s+share\b/i.test(code)) {
    const inner = classifyStatement(code.replace(/\bfor\s+share\b/i, 'for update'), prepared);
    return inner.ok ? ok(maxType(inner.type, 'read_write'), { databases: inner.databases }) : inner;
  }
  if (['create', 'alter', 'drop', 'rename'].includes(first)) {
    if (/^\w+\s+(user|role)\b/i.test(code) || /\bdefiner\s*=/i.test(code)) return ok('admin');
    // Routines, triggers, events: DDL on this database, and on any other one the text qualifies a name with.
    const databases = [...code.matchAll(new RegExp(String.raw`${IDENT}\s*\.\s*${IDENT}`, 'g'))]
      .map((m) => identifier(m[1]!))
      .filter((name) => !['new', 'old'].includes(name.toLowerCase()));
    return ok('ddl', databases.length > 0 ? { databases: [...new Set(databases)] } : {});
  }
  return unparseable;
}

function identifier(raw: string): string {
  return raw.startsWith('`') ? raw.slice(1, -1).replaceAll('``', '`') : raw;
}
