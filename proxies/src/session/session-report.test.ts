import type { Border0Client } from '@border0/sdk';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionReport } from './session-report.js';

describe('SessionReport', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports progress only when bytes moved, and always the end', async () => {
    const patches: unknown[] = [];
    const client = {
      patch: vi.fn(async (_path: string, init: { body: unknown }) => {
        patches.push(init.body);
        return {};
      }),
    } as unknown as Border0Client;
    const counted = { bytesIn: 0, bytesOut: 0 };
    const report = new SessionReport(client, 'session-1', pino({ level: 'silent' }), () => ({ ...counted }));

    // Idle: the heartbeat's live list renews the session; no report of its own.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(patches).toEqual([]);

    counted.bytesIn = 10;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(patches).toEqual([{ bytes_in: 10, bytes_out: 0 }]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(patches).toHaveLength(1);

    counted.bytesOut = 7;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(patches.at(-1)).toEqual({ bytes_in: 10, bytes_out: 7 });

    await report.end({ reason: 'client closed' });
    expect(patches.at(-1)).toEqual({ bytes_in: 10, bytes_out: 7, ended: true, reason: 'client closed' });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(patches).toHaveLength(3);
  });
});
