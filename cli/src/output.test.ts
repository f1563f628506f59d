import { describe, expect, it } from 'vitest';
import { cell, formatTable, tableOf } from './output.js';

describe('cell', () => {
  it('shows absent values as a dash', () => {
    expect([null, undefined, '', [], {}].map(cell)).toEqual(['-', '-', '-', '-', '-']);
  });

  it('joins lists with commas and maps as key=value', () => {
    expect(cell(['ssh', 'http'])).toBe('ssh,http');
    expect(cell({ env: 'prod', team: 'web' })).toBe('env=prod,team=web');
    expect(cell(false)).toBe('false');
  });

  it('keeps a multi-line value on one line', () => {
    expect(cell('first line\nsecond  line')).toBe('first line second line');
  });
});

describe('formatTable', () => {
  it('aligns columns two spaces apart without trailing spaces', () => {
    expect(
      formatTable([
        ['NAME', 'TYPE', 'TAGS'],
        ['web', 'http', '-'],
        ['postgres-main', 'database', 'env=prod'],
      ]),
    ).toBe(
      [
        'NAME           TYPE      TAGS',
        'web            http      -',
        'postgres-main  database  env=prod',
      ].join('\n'),
    );
  });

  it('does not pad an empty last column', () => {
    expect(
      formatTable([
        ['A', ''],
        ['bb', ''],
      ]),
    ).toBe('A\nbb');
  });
});

describe('tableOf', () => {
  it('prints a heading row and one row per item', () => {
    const table = tableOf(
      [{ name: 'web', tags: { env: 'prod' } }],
      [
        ['NAME', (s) => s.name],
        ['TAGS', (s) => s.tags],
      ],
    );
    expect(table).toBe('NAME  TAGS\nweb   env=prod');
  });
});
