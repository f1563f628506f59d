/**
 * The sessions this proxy carries, so that a terminate event or a policy change can end them at once.
 */
export interface LiveSession {
  id: string;
  organizationId: string;
  /** Re-decides the session with the organization's current policies; false ends it. */
  stillAllowed: () => Promise<boolean>;
  end: (reason: string) => void;
}

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

  terminate(id: string, reason: string): boolean {
    const session = this.#sessions.get(id);
    session?.end(reason);
    return session !== undefined;
  }

  /** Ends every live session of the organization that its current policies no longer allow. */
  async recheck(organizationId: string): Promise<number> {
    let ended = 0;
    for (const session of [...this.#sessions.values()]) {
      if (session.organizationId !== organizationId) continue;
      if (!(await session.stillAllowed().catch(() => false))) {
        session.end('access revoked: the policies no longer allow this session');
        ended++;
      }
    }
    return ended;
  }

  endAll(reason: string): void {
    for (const session of [...this.#sessions.values()]) session.end(reason);
  }
}
