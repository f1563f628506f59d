import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { processTunnelHostKey } from './host-key.js';

describe('processTunnelHostKey', () => {
  it('is a key ssh2 can read, the same for the life of the process', () => {
    const key = processTunnelHostKey();
    expect(ssh2.utils.parseKey(key)).not.toBeInstanceOf(Error);
    expect(processTunnelHostKey()).toBe(key);
  });
});
