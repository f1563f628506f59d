import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Refusal, RefusalReports } from './refusal-reports.js';

afterEach(() => {
  vi.useRealTimers();
});

const refusal = (ip: string, reason = 'no valid client certificate (none presented)'): Refusal => ({
  socketId: 's1',
  ip,
  port: 40_000,
  country: null,
  identity: undefined,
  reason,
});

function reports(options: { windowMs?: number; maxKinds?: number } = {}) {
  const sent: [string | null, string, number][] = [];
  const refusals = new RefusalReports(
    async (r, attempts) => {
      sent.push([r.ip, r.reason, attempts]);
    },
    pino({ level: 'silent' }),
    options,
  );
  return { refusals, sent };
}

describe('RefusalReports', () => {
  it('reports the first of a kind at once and counts its repeats into one report per window', async () => {
    vi.useFakeTimers();
    const { refusals, sent } = reports({ windowMs: 60_000 });
    for (let i = 0; i < 300; i++) refusals.refuse(refusal('198.51.100.4'));
    refusals.refuse(refusal('198.51.100.4', 'the client certificate belongs to another organization'));
    refusals.refuse(refusal('198.51.100.5'));
    expect(sent).toEqual([
      ['198.51.100.4', 'no valid client certificate (none presented)', 1],
      ['198.51.100.4', 'the client certificate belongs to another organization', 1],
      ['198.51.100.5', 'no valid client certificate (none presented)', 1],
    ]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent.slice(3)).toEqual([['198.51.100.4', 'no valid client certificate (none presented)', 299]]);
    // Repeats go on: one report per window; a quiet window forgets the kind, so the next is reported anew.
    for (let i = 0; i < 10; i++) refusals.refuse(refusal('198.51.100.4'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent.slice(4)).toEqual([['198.51.100.4', 'no valid client certificate (none presented)', 10]]);
    await vi.advanceTimersByTimeAsync(60_000);
    refusals.refuse(refusal('198.51.100.4'));
    expect(sent.slice(5)).toEqual([['198.51.100.4', 'no valid client certificate (none presented)', 1]]);
  });

  it('counts an IPv6 /64 as one address', () => {
    const { refusals, sent } = reports();
    refusals.refuse(refusal('2001:db8::1'));
    refusals.refuse(refusal('2001:db8::2'));
    expect(sent).toHaveLength(1);
  });

  it('stays bounded: past its kinds, new addresses share one kind without an address', async () => {
    const { refusals, sent } = reports({ maxKinds: 10 });
    for (let i = 0; i < 1000; i++) refusals.refuse(refusal(`10.0.${i >> 8}.${i & 255}`));
    expect(sent).toHaveLength(11);
    expect(sent[10]).toEqual([null, 'no valid client certificate (none presented)', 1]);
    await refusals.flush();
    expect(sent.slice(11)).toEqual([[null, 'no valid client certificate (none presented)', 989]]);
  });
});
