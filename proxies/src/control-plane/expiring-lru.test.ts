import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExpiringLru } from './expiring-lru.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('ExpiringLru', () => {
  it('holds at most its bound, forgetting the least recently used first', () => {
    const cache = new ExpiringLru<number>(3, 60_000);
    for (let i = 0; i < 1000; i++) cache.set(`name-${i}`, i);
    expect(cache.size).toBe(3);
    expect(cache.get('name-996')).toBeUndefined();
    expect(cache.get('name-997')).toBe(997);
    // name-997 was just used: name-998 is now the least recently used.
    cache.set('new', 1);
    expect(cache.get('name-998')).toBeUndefined();
    expect(cache.get('name-997')).toBe(997);
  });

  it('forgets an entry once it is older than its time to live', () => {
    vi.useFakeTimers();
    const cache = new ExpiringLru<true>(10, 30_000);
    cache.set('gone', true);
    vi.advanceTimersByTime(29_999);
    expect(cache.get('gone')).toBe(true);
    vi.advanceTimersByTime(1);
    expect(cache.get('gone')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
