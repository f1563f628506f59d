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

  it('shows escape sequences and other controls visibly, in values and in keys', () => {
    expect(cell('root\u001b]0;pwned\u0007')).toBe('root\\x1b]0;pwned\\x07');
    expect(cell({ 'k\u001b[2J': 'v\u009b6n' })).toBe('k\\x1b[2J=v\\x9b6n');
    expect(cell(['a\u0008b'])).toBe('a\\x08b');
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

  it('makes every cell visible, and aligns on what is shown', () => {
    expect(
      formatTable([
        ['\u001b[31mred', 'x'],
        ['ok', 'y'],
      ]),
    ).toBe('\\x1b[31mred  x\nok           y');
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
