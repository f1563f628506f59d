/** The MySQL classification table: the lexer's view of comments and quotes, then each statement's type. */
import { describe, expect, it } from 'vitest';
import type { QueryType } from '../session/statement-gate.js';
import { classifyStatement } from './classify.js';
import { splitStatements, unquote } from './lexer.js';

const lex = (sql: string, noBackslashEscapes = false) => splitStatements(sql, { noBackslashEscapes });
/** The types of each statement of a text, as the relay sees them. */
const types = (sql: string, prepared = new Map<string, QueryType>()) =>
  lex(sql).map(({ code }) => {
    const c = classifyStatement(code, prepared);
    return c.ok ? c.type : 'unparseable';
  });

describe('the lexer', () => {
  it('splits on semicolons outside quotes and comments', () => {
    expect(lex('select \'a;b\'; select `c;d` -- x;y\n; select "e\\";f"').map((s) => s.code)).toEqual([
      "select 'a;b'",
      'select `c;d`',
      'select "e\\";f"',
    ]);
  });

  it('reads executable comments as code, and other comments as nothing', () => {
    expect(lex('/*! DELETE FROM t */').map((s) => s.code)).toEqual(['DELETE FROM t']);
    expect(lex('SELECT 1 /*!50000 ; DELETE FROM t */').map((s) => s.code)).toEqual([
      'SELECT 1',
      'DELETE FROM t',
    ]);
    expect(lex('SELECT /*M!100000 2, */ 1 /* ; DELETE */ # ; DELETE').map((s) => s.code)).toEqual([
      'SELECT   2,   1',
    ]);
  });

  it('follows NO_BACKSLASH_ESCAPES: a backslash then ends nothing', () => {
    const sql = "select 'a\\'; delete from t; select '";
    expect(lex(sql)).toHaveLength(1);
    expect(lex(sql, true).map((s) => s.code)).toEqual(["select 'a\\'", 'delete from t', "select '"]);
  });

  it('unquotes literals as the server reads them', () => {
    expect(unquote("'it''s a \\'test\\'\\n'", { noBackslashEscapes: false })).toBe("it's a 'test'\n");
    expect(unquote("'a\\'", { noBackslashEscapes: true })).toBe('a\\');
    expect(unquote("'open", { noBackslashEscapes: false })).toBeUndefined();
  });
});

describe('classifyStatement', () => {
  const table: [string, QueryType | 'unparseable'][] = [
    ['SELECT 1', 'read_only'],
    ['select * from t where a in (select b from u)', 'read_only'],
    ['SET NAMES utf8mb4', 'read_only'],
    ["SET NAMES 'gbk'", 'admin'],
    ['SET autocommit = 0', 'read_only'],
    ['SET @x = 1', 'read_only'],
    ['SHOW TABLES', 'read_only'],
    ['SHOW FULL PROCESSLIST', 'read_only'],
    ['DESCRIBE t', 'read_only'],
    ['EXPLAIN SELECT * FROM t', 'read_only'],
    ['EXPLAIN DELETE FROM t', 'read_write'],
    ['BEGIN', 'read_only'],
    ['START TRANSACTION READ WRITE', 'read_write'],
    ['COMMIT', 'read_only'],
    ['SAVEPOINT a', 'read_only'],
    ['SET SESSION TRANSACTION READ WRITE', 'read_write'],
    ['SET TRANSACTION ISOLATION LEVEL READ COMMITTED', 'read_only'],
    ['SET GLOBAL TRANSACTION READ WRITE', 'admin'],
    ['SET SESSION transaction_read_only = 0', 'admin'],
    ['SET @@session.tx_read_only = 0', 'admin'],
    ['SET sql_mode = ""', 'admin'],
    ['SET GLOBAL max_connections = 1', 'admin'],
    ['SET @@global.max_connections = 1', 'admin'],
    ['SELECT * FROM t FOR UPDATE', 'read_write'],
    ['SELECT * FROM t LOCK IN SHARE MODE', 'read_write'],
    ['SELECT * FROM t FOR SHARE', 'read_write'],
    ["SELECT * INTO OUTFILE '/tmp/x' FROM t", 'admin'],
    ["SELECT LOAD_FILE('/etc/passwd')", 'admin'],
    ['SELECT SLEEP(1)', 'read_only'],
    ['INSERT INTO t VALUES (1)', 'read_write'],
    ['REPLACE INTO t VALUES (1)', 'read_write'],
    ['UPDATE t SET a = 1', 'read_write'],
    ['DELETE FROM t', 'read_write'],
    ['CALL p()', 'read_write'],
    ["LOAD DATA LOCAL INFILE 'x' INTO TABLE t", 'read_write'],
    ["LOAD DATA INFILE '/var/lib/x' INTO TABLE t", 'admin'],
    ['CREATE TABLE t (a int)', 'ddl'],
    ['CREATE TEMPORARY TABLE t (a int)', 'ddl'],
    ['ALTER TABLE t ADD c int', 'ddl'],
    ['DROP TABLE t', 'ddl'],
    ['TRUNCATE t', 'ddl'],
    ['RENAME TABLE a TO b', 'ddl'],
    ['CREATE PROCEDURE p() SELECT 1', 'ddl'],
    ['CREATE TRIGGER tr BEFORE INSERT ON other.t FOR EACH ROW SET NEW.a = 1', 'ddl'],
    ["CREATE USER u IDENTIFIED BY 'x'", 'admin'],
    ['GRANT SELECT ON *.* TO u', 'admin'],
    ['FLUSH PRIVILEGES', 'admin'],
    ['KILL 12', 'admin'],
    ['ANALYZE TABLE t', 'admin'],
    ['DO 1', 'read_only'],
    ['DO RELEASE_ALL_LOCKS()', 'unparseable'],
    ['this is not sql', 'unparseable'],
  ];
  for (const [sql, expected] of table) {
    it(`${sql} → ${expected}`, () => {
      expect(types(sql)).toEqual([expected]);
    });
  }

  it('reads what executable comments hide', () => {
    expect(types('/*! DELETE FROM t */')).toEqual(['read_write']);
    expect(types('SELECT 1 /*!50000 ; DELETE FROM t */')).toEqual(['read_only', 'read_write']);
    expect(types('SELECT 1 /*!50000 FOR UPDATE */')).toEqual(['read_write']);
  });

  it('refuses a compound body split by its semicolons (fail closed: its END stands alone)', () => {
    expect(types('CREATE PROCEDURE p() BEGIN SELECT 1; END')).toEqual(['ddl', 'unparseable']);
  });

  it('names the other databases a statement reaches', () => {
    const of = (sql: string) => {
      const c = classifyStatement(sql, new Map());
      return c.ok ? c.databases : c.reason;
    };
    expect(of('SELECT * FROM other.t')).toEqual(['other']);
    expect(of('INSERT INTO t SELECT * FROM a.x JOIN b.y ON 1')).toEqual(expect.arrayContaining(['a', 'b']));
    expect(of('USE other')).toEqual(['other']);
    expect(of('CREATE DATABASE fresh')).toEqual(['fresh']);
    expect(of('DROP DATABASE old')).toEqual(['old']);
    expect(of('CREATE TRIGGER tr BEFORE INSERT ON other.t FOR EACH ROW SET NEW.a = 1')).toEqual(['other']);
    expect(of('SELECT * FROM t')).toBeUndefined();
  });

  it('classifies PREPARE by its text and EXECUTE by what was prepared', () => {
    const prepared = new Map<string, QueryType>();
    const prepare = classifyStatement("PREPARE s FROM 'DELETE FROM t WHERE id = ?'", prepared);
    expect(prepare).toMatchObject({
      ok: true,
      type: 'read_write',
      prepares: { name: 's', type: 'read_write' },
    });
    prepared.set('s', 'read_write');
    expect(classifyStatement('EXECUTE s USING @a', prepared)).toMatchObject({ ok: true, type: 'read_write' });
    expect(classifyStatement('EXECUTE unknown', prepared).ok).toBe(false);
    expect(classifyStatement('PREPARE s FROM @sql', prepared).ok).toBe(false);
  });

  it('marks LOAD DATA LOCAL, whose file the client sends', () => {
    expect(classifyStatement("LOAD DATA LOCAL INFILE '/tmp/x' INTO TABLE t", new Map())).toMatchObject({
      localInfile: true,
    });
  });
});
