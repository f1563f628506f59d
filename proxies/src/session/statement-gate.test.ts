/** StatementGate: statements decided on the session's current query types; what cannot be read is refused. */
import type { AccessAction, Decision } from '@border0/sdk/policy';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { classify, loadClassifier } from '../postgres/classify.js';
import type { AdmittedClient } from './client-admission.js';
import { type QueryType, StatementGate } from './statement-gate.js';

beforeAll(() => loadClassifier());

/** An admitted client whose policies allow `allowed()` query types on `shop`. */
function admittedWith(allowed: () => QueryType[]) {
  const decide = vi.fn(async (action: AccessAction): Promise<Decision> => {
    const query = action as { database?: string; query_type?: QueryType };
    const ok =
      query.database === 'shop' && (query.query_type === undefined || allowed().includes(query.query_type));
    return (
      ok ? { allowed: true } : { allowed: false, reason: `no ${query.query_type} on ${query.database}` }
    ) as Decision;
  });
  return { admitted: { decide } as unknown as AdmittedClient, decide };
}

describe('StatementGate', () => {
  it('allows what the types allow and refuses the rest with the policy’s reason', async () => {
    const { admitted } = admittedWith(() => ['read_only']);
    const gate = new StatementGate(admitted, 'shop', classify);
    expect(await gate.judge('select 1')).toEqual({ allowed: true, type: 'read_only' });
    expect(await gate.judge('delete from items')).toEqual({
      allowed: false,
      type: 'read_write',
      reason: 'no read_write on shop',
    });
    expect(await gate.judge('select 1 for update')).toMatchObject({ allowed: false, type: 'read_write' });
    expect(await gate.hint()).toBe('allowed on shop: read_only');
  });

  it('refuses what cannot be classified or is too long to inspect, when types are restricted (fail closed)', async () => {
    const { admitted } = admittedWith(() => ['read_only', 'read_write', 'ddl']);
    const gate = new StatementGate(admitted, 'shop', classify);
    expect(await gate.judge('this is not sql')).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/could not be classified/),
    });
    expect(await gate.judge(`select '${'x'.repeat(300 * 1024)}'`)).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/cannot be inspected/),
    });
    expect(await gate.judgeType(undefined)).toMatchObject({ allowed: false });
  });

  it('parses nothing when every type is allowed', async () => {
    const { admitted } = admittedWith(() => ['read_only', 'read_write', 'ddl', 'admin']);
    const gate = new StatementGate(admitted, 'shop', () => {
      throw new Error('parsed');
    });
    expect(await gate.judge('this is not sql')).toEqual({ allowed: true });
  });

  it('follows a policy change within a second', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      let types: QueryType[] = ['read_only', 'read_write'];
      const { admitted } = admittedWith(() => types);
      const gate = new StatementGate(admitted, 'shop', classify);
      expect(await gate.judge('delete from items')).toMatchObject({ allowed: true });
      types = ['read_only'];
      vi.advanceTimersByTime(1001);
      expect(await gate.judge('delete from items')).toMatchObject({ allowed: false });
    } finally {
      vi.useRealTimers();
    }
  });

  it('decides another database after a switch', async () => {
    const { admitted } = admittedWith(() => ['read_only']);
    const gate = new StatementGate(admitted, 'shop', classify);
    gate.switchTo('other');
    expect(await gate.judge('select 1')).toMatchObject({ allowed: false, reason: 'no read_only on other' });
  });
});
