/** Waiting with a deadline: the answer when it comes, a clear failure when it does not. */
import { describe, expect, it } from 'vitest';
import { eventually, waitUntil } from './eventually.js';

describe('eventually', () => {
  it('resolves with the first answer that is ok, trying again after errors', async () => {
    let calls = 0;
    const answer = await eventually(
      () => {
        calls += 1;
        if (calls === 1) throw new Error('not yet');
        return calls;
      },
      (value) => value >= 3,
      5_000,
      { intervalMs: 1 },
    );
    expect(answer).toBe(3);
  });

  it('fails at the deadline with what it waited for, the last answer and the last error', async () => {
    let calls = 0;
    const started = Date.now();
    const probe = () => {
      calls += 1;
      if (calls % 2 === 0) throw new Error('flaky');
      return { calls };
    };
    const failure = eventually(probe, () => false, 300, { intervalMs: 20, what: 'the moon' });
    await expect(failure).rejects.toThrow(
      /^timed out after 300 ms waiting for the moon: last \{"calls":\d+\}/,
    );
    await expect(failure).rejects.toThrow(/last error: Error: flaky/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('fails at the first error when told not to retry errors (a probe that asserts)', async () => {
    let calls = 0;
    const probe = () => {
      calls += 1;
      throw new Error('assertion failed');
    };
    await expect(eventually(probe, () => true, 5_000, { retryErrors: false })).rejects.toThrow(
      'assertion failed',
    );
    expect(calls).toBe(1);
  });

  it('starts no probe after the deadline', async () => {
    const startedAt: number[] = [];
    const end = Date.now() + 100;
    await eventually(
      () => startedAt.push(Date.now()),
      () => false,
      100,
      { intervalMs: 30 },
    ).catch(() => {});
    expect(startedAt.every((at) => at < end + 5)).toBe(true);
  });
});

describe('waitUntil', () => {
  it('resolves with how long the condition took to hold', async () => {
    const until = Date.now() + 50;
    const took = await waitUntil(() => Date.now() >= until, 5_000, 'fifty milliseconds');
    expect(took).toBeGreaterThanOrEqual(45);
    expect(took).toBeLessThan(1_000);
  });

  it('fails at once when the check throws', async () => {
    const started = Date.now();
    await expect(
      waitUntil(() => {
        throw new Error('broken check');
      }, 5_000),
    ).rejects.toThrow('broken check');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('fails naming what it waited for', async () => {
    await expect(waitUntil(() => false, 50, 'the tunnel')).rejects.toThrow(/waiting for the tunnel/);
  });
});
