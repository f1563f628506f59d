import { describe, expect, it } from 'vitest';
import { type LiveSession, LiveSessions, REVOKED_REASON } from './live-sessions.js';

/** A live session whose re-decision answers `allowed` (or throws), remembering why it was ended. */
function session(id: string, organizationId: string, allowed: boolean | Error) {
  const ended: string[] = [];
  const live: LiveSession = {
    id,
    organizationId,
    stillAllowed: async () => {
      if (allowed instanceof Error) throw allowed;
      return allowed;
    },
    end: (reason) => ended.push(reason),
  };
  return { live, ended };
}

describe('LiveSessions', () => {
  it('re-decides the sessions of one organization, ending the refused and the undecidable ones', async () => {
    const sessions = new LiveSessions();
    const kept = session('a', 'org-1', true);
    const refused = session('b', 'org-1', false);
    const undecidable = session('c', 'org-1', new Error('no data'));
    const elsewhere = session('d', 'org-2', false);
    for (const s of [kept, refused, undecidable, elsewhere]) sessions.add(s.live);

    expect(await sessions.recheck('org-1')).toBe(2);
    expect(kept.ended).toEqual([]);
    expect(refused.ended).toEqual([REVOKED_REASON]);
    expect(undecidable.ended).toEqual([REVOKED_REASON]);
    expect(elsewhere.ended).toEqual([]);
  });

  it('lists what it carries, and ends a whole organization with the reason given', () => {
    const sessions = new LiveSessions();
    const one = session('a', 'org-1', true);
    const two = session('b', 'org-2', true);
    sessions.add(one.live);
    sessions.add(two.live);
    expect(sessions.ids()).toEqual(['a', 'b']);
    expect([...sessions.organizations()]).toEqual(['org-1', 'org-2']);
    expect(sessions.endOrganization('org-2', 'failing closed')).toBe(1);
    expect(two.ended).toEqual(['failing closed']);
    expect(one.ended).toEqual([]);
    sessions.remove('a');
    expect(sessions.terminate('a', 'terminated')).toBe(false);
    expect(sessions.ids()).toEqual(['b']);
  });
});
