/** threadOwners: a KILL QUERY passes as a cancel only for a thread of the same identity, on the same socket. */
import { describe, expect, it } from 'vitest';
import { threadOwners } from './thread-owners.js';

describe('threadOwners', () => {
  it('knows a thread’s owner while the session lives, and nobody else owns it', () => {
    const forget = threadOwners.add('socket-a', 41, 'ana@example.com');
    expect(threadOwners.owns('socket-a', 41, 'ana@example.com')).toBe(true);
    expect(threadOwners.owns('socket-a', 41, 'mallory@example.com')).toBe(false);
    expect(threadOwners.owns('socket-b', 41, 'ana@example.com')).toBe(false);
    expect(threadOwners.owns('socket-a', 42, 'ana@example.com')).toBe(false);
    forget();
    expect(threadOwners.owns('socket-a', 41, 'ana@example.com')).toBe(false);
  });

  it('does not forget a thread id that a newer session took over', () => {
    const forgetOld = threadOwners.add('socket-a', 7, 'ana@example.com');
    threadOwners.add('socket-a', 7, 'bob@example.com');
    forgetOld();
    expect(threadOwners.owns('socket-a', 7, 'bob@example.com')).toBe(true);
  });
});
