/** What statements are, as the policy names them: the ways a write hides are all found. */
import { beforeAll, describe, expect, it } from 'vitest';
import { classify, loadClassifier, type QueryType } from './classify.js';

beforeAll(() => loadClassifier());

const typeOf = (text: string, prepared?: Map<string, QueryType>) => {
  const result = classify(text, prepared);
  return result.ok ? result.type : `unparseable: ${result.reason}`;
};

describe('classify', () => {
  it.each<[string, QueryType]>([
    ['select * from items', 'read_only'],
    ['SELECT 1; SELECT 2', 'read_only'],
    ['show search_path', 'read_only'],
    ['explain select * from items', 'read_only'],
    ['begin', 'read_only'],
    ['begin read only', 'read_only'],
    ['set search_path = public', 'read_only'],
    ['set statement_timeout = 1000', 'read_only'],
    ['copy items to stdout', 'read_only'],
    ['copy (select 1) to stdout', 'read_only'],
    ['declare c cursor for select 1', 'read_only'],
    ['select pg_sleep(1)', 'read_only'],
    ['insert into items values (1)', 'read_write'],
    ['update items set a = 1', 'read_write'],
    ['delete from items', 'read_write'],
    ['merge into t using s on t.id = s.id when matched then delete', 'read_write'],
    ['select 1; delete from items', 'read_write'],
    ['select * from items for update', 'read_write'],
    ['select * from items for share', 'read_write'],
    ['with gone as (delete from items returning *) select * from gone', 'read_write'],
    [
      'select * from (select 1) s where exists (with x as (update t set a = 1 returning 1) select 1 from x)',
      'read_write',
    ],
    ['explain analyze delete from items', 'read_write'],
    ['copy items from stdin', 'read_write'],
    ['begin read write', 'read_write'],
    ['set transaction read write', 'read_write'],
    ['select nextval($$s$$)', 'read_write'],
    ['lock table items', 'read_write'],
    ['call do_things()', 'read_write'],
    ['create table t (a int)', 'ddl'],
    ['alter table items add column b int', 'ddl'],
    ['drop table items', 'ddl'],
    ['truncate items', 'ddl'],
    ['create index on items (id)', 'ddl'],
    ['select * into copy_of_items from items', 'ddl'],
    ['grant select on items to public', 'admin'],
    ['create role intruder', 'admin'],
    ['alter system set fsync = off', 'admin'],
    ['do $$ begin delete from items; end $$', 'admin'],
    ['copy items to $$/tmp/x$$', 'admin'],
    ['copy items from program $$id$$', 'admin'],
    ['select pg_terminate_backend(1)', 'admin'],
    ['select set_config($$default_transaction_read_only$$, $$off$$, false)', 'admin'],
    ['select lo_import($$/etc/passwd$$)', 'admin'],
    ['select query_to_xml($$delete from items$$, true, true, $$$$)', 'admin'],
    ['set default_transaction_read_only = off', 'admin'],
    ['set session characteristics as transaction read write', 'read_write'],
    ['set role postgres', 'admin'],
    ['set session authorization postgres', 'admin'],
    ['set standard_conforming_strings = off', 'admin'],
    ['reset all', 'admin'],
    ['vacuum items', 'admin'],
  ])('%s is %s', (text, type) => {
    expect(typeOf(text)).toBe(type);
  });

  it('follows SQL-level prepared statements to what EXECUTE runs', () => {
    const prepared = new Map<string, QueryType>();
    const prepare = classify('prepare wipe as delete from items', prepared);
    // PREPARE runs nothing; it says what it prepares.
    expect(prepare).toMatchObject({
      ok: true,
      type: 'read_only',
      prepares: { name: 'wipe', type: 'read_write' },
    });
    prepared.set('wipe', 'read_write');
    expect(typeOf('execute wipe', prepared)).toBe('read_write');
    expect(typeOf('execute unknown', prepared)).toMatch(/^unparseable: .*not known/);
  });

  it('says where a statement cannot be read', () => {
    expect(classify('select from where')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/syntax error/),
      position: 13,
    });
    expect(classify('')).toMatchObject({ ok: true, statements: 0 });
    expect(classify(' ; ')).toMatchObject({ ok: true, statements: 0 });
  });
});
