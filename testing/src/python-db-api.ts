/**
 * A Python DB-API driver that nobody here wrote (Debian's psycopg2 or PyMySQL, run by Debian's own python3),
 * through a database socket: a parameterised read, a write rolled back, a count. Both drivers use the same
 * `%s` placeholders. Prints the name of item 2 and the count of items, one per line.
 */
import { execFileSync } from 'node:child_process';

/** `connect` is the Python expression that opens the connection, e.g. `psycopg2.connect(...)`. */
export function runPythonDbApi(module: 'psycopg2' | 'pymysql', connect: string): string[] {
  const script = [
    `import ${module}`,
    `c = ${connect}`,
    'cur = c.cursor()',
    'cur.execute("select name from items where id = %s", (2,))',
    'print(cur.fetchone()[0])',
    'cur.execute("insert into items values (%s, %s)", (7, "fig"))',
    'c.rollback()',
    'cur.execute("select count(*) from items")',
    'print(cur.fetchone()[0])',
  ].join('\n');
  return execFileSync('/usr/bin/python3', ['-c', script]).toString().split('\n');
}
