import { describe, expect, it } from 'vitest';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH, unstorable, unstorableFields } from './storable-text.js';

describe('unstorable', () => {
  it('finds NUL and lone surrogates anywhere in a string', () => {
    expect(unstorable('\u0000')).toMatch(/U\+0000/);
    expect(unstorable('ab\u0000')).toMatch(/U\+0000/);
    expect(unstorable('\ud800')).toMatch(/lone UTF-16 surrogate \(U\+D800\)/);
    expect(unstorable('x\udbffy')).toMatch(/U\+DBFF/);
    expect(unstorable('\udc00x')).toMatch(/U\+DC00/);
    expect(unstorable('x\udfff')).toMatch(/U\+DFFF/);
    // A low half before a high half is two lone halves, not a pair.
    expect(unstorable('\udc00\ud800')).toMatch(/U\+DC00/);
    expect(unstorable('\ud83d\ude80\ud83d')).toMatch(/U\+D83D/);
  });

  it('accepts every other character, pairs and control characters included', () => {
    for (const text of [
      '',
      'plain',
      '\u0001\u001f\u007f',
      '\u00ff\uffff\ufffd',
      '🚀',
      '\ud800\udc00',
      'é😀中',
    ]) {
      expect(unstorable(text), JSON.stringify(text)).toBeUndefined();
    }
  });
});

describe('jsonNestsDeeperThan', () => {
  const nest = (levels: number, open = '[', close = ']') => open.repeat(levels) + close.repeat(levels);

  it('counts arrays and objects alike, the outermost as the first level', () => {
    expect(jsonNestsDeeperThan(nest(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonNestsDeeperThan(nest(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonNestsDeeperThan(`${'{"a":'.repeat(3)}1}}}`, 3)).toBe(false);
    expect(jsonNestsDeeperThan(`${'{"a":['.repeat(2)}1]}]}`, 3)).toBe(true);
    expect(jsonNestsDeeperThan(nest(1_000_000), MAX_JSON_DEPTH)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(JSON.stringify({ a: '[[[[[[[[[[' }), 2)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ a: '"[[[\\"[[[' }), 2)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify(['\\', [[1]]]), 2)).toBe(true);
  });

  it('measures siblings separately', () => {
    expect(jsonNestsDeeperThan(`[${Array(100).fill('[[1]]').join(',')}]`, 3)).toBe(false);
  });
});

describe('unstorableFields', () => {
  it('names each bad value by its dotted path, keys by the object holding them', () => {
    const body = {
      name: 'ok',
      description: 'a\u0000',
      upstream_configuration: { hostname: 'h\ud800', port: 1 },
      tags: { 'k\u0000': 'v', fine: 'x\udfff' },
      list: ['ok', ['deep\u0000']],
    };
    expect(unstorableFields(body)).toEqual([
      { field: 'description', message: expect.stringMatching(/U\+0000/) },
      { field: 'upstream_configuration.hostname', message: expect.stringMatching(/U\+D800/) },
      { field: 'tags', message: expect.stringMatching(/^has a key that contains U\+0000/) },
      { field: 'tags.fine', message: expect.stringMatching(/U\+DFFF/) },
      { field: 'list.1.0', message: expect.stringMatching(/U\+0000/) },
    ]);
  });

  it('names the body itself when it is a bad string or has a bad key', () => {
    expect(unstorableFields('\u0000')).toEqual([{ field: '(body)', message: expect.any(String) }]);
    expect(unstorableFields({ '\ud800': 1 })).toEqual([{ field: '(body)', message: expect.any(String) }]);
  });

  it('finds nothing in storable values, and reports at most 20', () => {
    expect(unstorableFields({ a: [1, true, null, 'é', { b: '🚀' }] })).toEqual([]);
    expect(unstorableFields(Array(100).fill('\u0000'))).toHaveLength(20);
    expect(
      unstorableFields(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`\u0000${i}`, 1]))),
    ).toHaveLength(20);
  });
});
