import { describe, expect, it } from 'vitest';
import { withDeadline } from './deadline.js';

describe('withDeadline', () => {
  it('answers what the call answers in time', async () => {
    expect(await withDeadline(async () => 'answer', 1000, 'a call')).toBe('answer');
  });

  it('fails a call that hangs at the deadline, even one that ignores its signal, and aborts the signal', async () => {
    let seen: AbortSignal | undefined;
    const started = Date.now();
    const hanging = withDeadline(
      (signal) => {
        seen = signal;
        return new Promise<never>(() => {});
      },
      200,
      'registration',
    );
    await expect(hanging).rejects.toThrow('registration: no answer within 200 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(seen?.aborted).toBe(true);
  });
});
