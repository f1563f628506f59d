/**
 * Which identity owns each upstream thread of this proxy's MySQL sessions, per socket. Every Border0 session
 * of a socket logs in as the same upstream user, who may kill any of them: a `KILL QUERY <id>` (the mysql
 * client's Ctrl-C sends it on a second connection) is let through as a cancel only for the thread's owner.
 */
const owners = new Map<string, string>();

export const threadOwners = {
  /** Registers a session's upstream thread; returns the function that forgets it. */
  add(socketId: string, threadId: number, identity: string): () => void {
    const key = `${socketId}:${threadId}`;
    owners.set(key, identity);
    return () => {
      if (owners.get(key) === identity) owners.delete(key);
    };
  },
  owns(socketId: string, threadId: number, identity: string): boolean {
    return owners.get(`${socketId}:${threadId}`) === identity;
  },
};
