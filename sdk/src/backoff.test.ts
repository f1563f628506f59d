/** Retry delays: exponential ceiling, full jitter, reset. */
import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles its ceiling from 250 ms up to 10 s', () => {
    const backoff = new Backoff({ random: () => 0.999_999 });
    const delays = Array.from({ length: 8 }, () => backoff.next());
    expect(delays).toEqual([249, 499, 999, 1999, 3999, 7999, 9999, 9999]);
  });

  it('draws each delay anywhere below the ceiling (full jitter)', () => {
    const draws = [0, 0.5, 0.25];
    const backoff = new Backoff({ random: () => draws.shift()! });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([0, 250, 250]);
  });

  it('starts over after a reset', () => {
    const backoff = new Backoff({ random: () => 0.999_999 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(249);
  });

  it('takes its first ceiling and maximum from the caller', () => {
    const backoff = new Backoff({ initialMs: 200, maxMs: 5_000, random: () => 0.999_999 });
    const delays = Array.from({ length: 7 }, () => backoff.next());
    expect(delays).toEqual([199, 399, 799, 1599, 3199, 4999, 4999]);
  });

  it('stays at the maximum after very many failures', () => {
    const backoff = new Backoff({ random: () => 0.999_999 });
    for (let i = 0; i < 2_000; i++) backoff.next();
    expect(backoff.next()).toBe(9999);
  });
});
