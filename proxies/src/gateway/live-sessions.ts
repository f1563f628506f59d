/**
 * The sessions this proxy carries, so that a terminate event, a policy change, a missed revocation or a
 * control plane gone too long can end them at once, and so that the heartbeat can re-assert them.
 */
export interface LiveSession {
  id: string;
  organizationId: string;
  /** Re-decides the session with the organization's current policies; false ends it. */
  stillAllowed: () => Promise<boolean>;
  end: (reason: string) => void;
}

export const REVOKED_REASON = 'access revoked: the policies no longer allow this session';

export class LiveSessions {
  readonly #sessions = new Map<string, LiveSession>();

  add(session: LiveSession): void {
    this.#sessions.set(session.id, session);
  }

  remove(id: string): void {
    this.#sessions.delete(id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  ids(): string[] {
    return [...this.#sessions.keys()];
  }

  /** The organizations that have live sessions here. */
  organizations(): Set<string> {
    return new Set([...this.#sessions.values()].map((session) => session.organizationId));
  }

  terminate(id: string, reason: string): boolean {
    const session = this.#sessions.get(id);
    session?.end(reason);
    return session !== undefined;
  }

  /** Ends every live session of the organization that its current policies no longer allow. */
  async recheck(organizationId: string): Promise<number> {
    let ended = 0;
    for (const session of this.#of(organizationId)) {
      if (!(await session.stillAllowed().catch(() => false))) {
        session.end(REVOKED_REASON);
        ended++;
      }
    }
    return ended;
  }

  /** Ends every live session of the organization, e.g. when no decision can be made for it. */
  endOrganization(organizationId: string, reason: string): number {
    const sessions = this.#of(organizationId);
    for (const session of sessions) session.end(reason);
    return sessions.length;
  }

  endAll(reason: string): void {
    for (const session of [...this.#sessions.values()]) session.end(reason);
  }

  #of(organizationId: string): LiveSession[] {
    return [...this.#sessions.values()].filter((session) => session.organizationId === organizationId);
  }
}
