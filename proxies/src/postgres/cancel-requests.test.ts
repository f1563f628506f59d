/** CancelRequests: a cancel reaches a session only from the identity that owns it, and only while it lives. */
import { describe, expect, it, vi } from 'vitest';
import { CancelRequests } from './cancel-requests.js';

describe('CancelRequests', () => {
  it('forwards the cancel of the owner, refuses anyone else and unknown keys', async () => {
    const requests = new CancelRequests();
    const cancel = vi.fn(async () => {});
    const forget = requests.add(42, 7, { owner: 'ana@example.com', cancel });
    expect(await requests.cancel(42, 7, 'mallory@example.com')).toBe(false);
    expect(await requests.cancel(42, 8, 'ana@example.com')).toBe(false);
    expect(cancel).not.toHaveBeenCalled();
    expect(await requests.cancel(42, 7, 'ana@example.com')).toBe(true);
    expect(cancel).toHaveBeenCalledOnce();
    forget();
    expect(await requests.cancel(42, 7, 'ana@example.com')).toBe(false);
  });
});
