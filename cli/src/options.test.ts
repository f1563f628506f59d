import { describe, expect, it } from 'vitest';
import {
  expiresAt,
  parseDuration,
  parseKeyValues,
  parsePort,
  parseTime,
  repeatable,
  splitList,
} from './options.js';

describe('flag values', () => {
  it('accumulates repeated flags', () => {
    expect(repeatable('b', repeatable('a', undefined))).toEqual(['a', 'b']);
  });

  it('reads key=value pairs, keeping = signs in values', () => {
    expect(parseKeyValues(['env=prod', 'query=a=b', 'empty='], '--tag')).toEqual({
      env: 'prod',
      query: 'a=b',
      empty: '',
    });
    expect(() => parseKeyValues(['prod'], '--tag')).toThrow('--tag expects key=value, got "prod"');
  });

  it('splits comma lists given once or repeatedly', () => {
    expect(splitList(['ssh, http', 'tls'])).toEqual(['ssh', 'http', 'tls']);
    expect(splitList(undefined)).toEqual([]);
  });

  it('reads durations in seconds to weeks', () => {
    expect(parseDuration('30d', '--expires-in')).toBe(30 * 86_400_000);
    expect(parseDuration('2w', '--expires-in')).toBe(14 * 86_400_000);
    expect(() => parseDuration('0d', '--expires-in')).toThrow(/duration such as 30d/);
    expect(() => parseDuration('1y', '--expires-in')).toThrow(/duration such as 30d/);
  });

  it('turns --expires-in into an expiry timestamp', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(expiresAt('30d', now)).toBe('2026-01-31T00:00:00.000Z');
    expect(expiresAt(undefined, now)).toBeUndefined();
  });

  it('reads times as dates or as durations ago', () => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    expect(parseTime('24h', '--from', now)).toBe('2026-01-01T00:00:00.000Z');
    expect(parseTime('2026-01-01', '--from', now)).toBe('2026-01-01T00:00:00.000Z');
    expect(() => parseTime('yesterday', '--from', now)).toThrow(/--from expects a date/);
  });

  it('checks ports', () => {
    expect(parsePort('0', '--port')).toBe(0);
    expect(() => parsePort('65536', '--port')).toThrow(/0-65535/);
    expect(() => parsePort('80a', '--port')).toThrow(/0-65535/);
  });
});
