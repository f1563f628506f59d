/** runDatabaseSession: a database session lives until its relay ends, a termination, or its maximum duration. */
import { describe, expect, it, vi } from 'vitest';
import { LiveSessions } from '../gateway/live-sessions.js';
import type { QueryLog } from '../recording/query-log.js';
import type { AdmittedClient, ConnectionContext } from './client-admission.js';
import { type DatabaseRelay, runDatabaseSession } from './database-lifetime.js';
import type { SessionReport } from './session-report.js';

function fixture(maxSeconds?: number) {
  let finish: (reason?: string) => void = () => {};
  const relay: DatabaseRelay = {
    run: () => new Promise((resolve) => (finish = (reason) => resolve({ reason }))),
    end: vi.fn((reason?: string) => finish(reason)),
  };
  const order: string[] = [];
  const sessions = new LiveSessions();
  const ctx = { sessions } as unknown as ConnectionContext;
  const admitted = {
    lookup: { organization: { id: 'org-1' } },
    decision: { allowed: true, permissions: { max_session_duration_seconds: maxSeconds } },
    decide: vi.fn(async () => ({ allowed: true })),
  } as unknown as AdmittedClient;
  const report = { end: vi.fn(async () => void order.push('report')) } as unknown as SessionReport;
  const queryLog = { close: vi.fn(async () => void order.push('query log')) } as unknown as QueryLog;
  return {
    relay,
    sessions,
    ctx,
    admitted,
    report,
    queryLog,
    order,
    finish: (reason?: string) => finish(reason),
  };
}

describe('runDatabaseSession', () => {
  it('ends at the policy’s maximum duration, then reports after its query log is complete', async () => {
    vi.useFakeTimers();
    try {
      const f = fixture(2);
      const done = runDatabaseSession(f.ctx, f.admitted, {
        id: 's1',
        relay: f.relay,
        database: () => 'shop',
        report: f.report,
        queryLog: f.queryLog,
      });
      expect(f.sessions.ids()).toEqual(['s1']);
      await vi.advanceTimersByTimeAsync(1999);
      expect(f.relay.end).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      await done;
      expect(f.relay.end).toHaveBeenCalledWith('the session reached its maximum duration of 2 s');
      expect(f.order).toEqual(['query log', 'report']);
      expect(f.report.end).toHaveBeenCalledWith({
        result: 'terminated',
        reason: 'the session reached its maximum duration of 2 s',
      });
      expect(f.sessions.ids()).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('is ended by a termination, and re-decided on the database it works on now', async () => {
    const f = fixture();
    let database = 'shop';
    const done = runDatabaseSession(f.ctx, f.admitted, {
      id: 's2',
      relay: f.relay,
      database: () => database,
      report: f.report,
      queryLog: undefined,
    });
    database = 'other';
    await f.sessions.recheck('org-1');
    expect(f.admitted.decide).toHaveBeenCalledWith({ type: 'database', database: 'other' });
    expect(f.sessions.terminate('s2', 'terminated by an admin')).toBe(true);
    await done;
    expect(f.report.end).toHaveBeenCalledWith({ result: 'terminated', reason: 'terminated by an admin' });
  });

  it('reports a session its client ended as it ended', async () => {
    const f = fixture();
    const done = runDatabaseSession(f.ctx, f.admitted, {
      id: 's3',
      relay: f.relay,
      database: () => undefined,
      report: f.report,
      queryLog: undefined,
    });
    f.finish();
    await done;
    expect(f.report.end).toHaveBeenCalledWith({});
    expect(f.sessions.ids()).toEqual([]);
  });
});
