import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';

describe('RateLimiter', () => {
  it('allows the limit per window and key, then says how long to wait', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 10_000, () => now);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('b')).toBe(0);
    now = 2_500;
    expect(limiter.take('a')).toBe(8);
    now = 10_000;
    expect(limiter.take('a')).toBe(0);
  });

  it('forgets ended windows when many keys were seen', () => {
    let now = 0;
    const limiter = new RateLimiter(1, 1_000, () => now);
    for (let i = 0; i < 10_000; i++) limiter.take(`k${i}`);
    now = 5_000;
    expect(limiter.take('fresh')).toBe(0);
    expect(limiter.take('k1')).toBe(0);
    expect((limiter as unknown as { windows: Map<string, unknown> }).windows.size).toBe(2);
  });
});
