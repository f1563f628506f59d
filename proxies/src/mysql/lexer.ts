/**
 * Reads MySQL text as the server does before parsing: comments are dropped (`-- `, `#`, `/* *\/`), but
 * executable comments (`/*! ... *\/`, `/*!50000 ... *\/`, MariaDB's `/*M! ... *\/`) are code, since the server
 * runs what they hold; quotes ('...', "...", `...`) with backslash escapes unless NO_BACKSLASH_ESCAPES; `;` outside
 * quotes and comments ends a statement (multi-statements). node-sql-parser treats executable comments as
 * comments, so what it is given is this lexer's code, never the raw text.
 */

export interface LexedStatement {
  /** The statement as the server will run it: comments out, executable comments in. */
  code: string;
  /** The statement as the client wrote it, for the log. */
  text: string;
}

export interface LexOptions {
  /** The session's sql_mode has NO_BACKSLASH_ESCAPES (server status flag 0x0200). */
  noBackslashEscapes: boolean;
}

/** Splits a COM_QUERY's text into statements; empty statements are left out. */
export function splitStatements(sql: string, options: LexOptions): LexedStatement[] {
  const statements: LexedStatement[] = [];
  let code = '';
  let start = 0;
  let executable = false;
  const finish = (end: number) => {
    if (code.trim() !== '') statements.push({ code: code.trim(), text: sql.slice(start, end).trim() });
    code = '';
    start = end + 1;
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"' || c === '`') {
      const end = quoteEnd(sql, i, c, c !== '`' && !options.noBackslashEscapes);
      code += sql.slice(i, end);
      i = end;
    } else if (
      c === '#' ||
      (c === '-' && next === '-' && (i + 2 >= sql.length || /[\s\p{Cc}]/u.test(sql[i + 2]!)))
    ) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      code += ' ';
    } else if (c === '/' && next === '*') {
      const marker = /^\/\*(M?!)(\d{0,6})/.exec(sql.slice(i, i + 10));
      if (marker && !executable) {
        executable = true;
        i += marker[0].length;
        code += ' ';
      } else {
        const end = sql.indexOf('*/', i + 2);
        i = end === -1 ? sql.length : end + 2;
        code += ' ';
      }
    } else if (c === '*' && next === '/' && executable) {
      executable = false;
      i += 2;
      code += ' ';
    } else if (c === ';') {
      finish(i);
      i += 1;
    } else {
      code += c;
      i += 1;
    }
  }
  finish(sql.length);
  return statements;
}

/** Where the quoted string starting at `at` ends (past its closing quote, or the end of the text). */
function quoteEnd(sql: string, at: number, quote: string, backslashEscapes: boolean): number {
  let i = at + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '\\' && backslashEscapes) i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i += 1;
  }
  return sql.length;
}

/** The value of a quoted literal as the server reads it ('it''s', 'a\'b'). */
export function unquote(literal: string, options: LexOptions): string | undefined {
  const quote = literal[0];
  if ((quote !== "'" && quote !== '"') || literal.at(-1) !== quote || literal.length < 2) return undefined;
  if (quoteEnd(literal, 0, quote, !options.noBackslashEscapes) !== literal.length) return undefined;
  const body = literal.slice(1, -1).replaceAll(quote + quote, quote);
  if (options.noBackslashEscapes) return body;
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', Z: '\x1a' };
  return body.replace(/\\(.)/gs, (_, ch: string) => escapes[ch] ?? ch);
}
