import { describe, expect, it } from 'vitest';
import { validityWindow } from './validity-window.js';

const now = new Date('2026-11-26T08:00:00.750Z');

describe('certificate validity', () => {
  it('starts a minute back, in whole seconds, and lasts an hour by default', () => {
    expect(validityWindow(undefined, { now })).toEqual({
      notBefore: new Date('2026-11-26T07:59:00Z'),
      notAfter: new Date('2026-11-26T09:00:00Z'),
    });
  });

  it('never lasts past the token that asked, nor past an hour', () => {
    const notLaterThan = new Date('2026-11-26T08:10:00.500Z');
    expect(validityWindow(3600, { now, notLaterThan }).notAfter).toEqual(new Date('2026-11-26T08:10:00Z'));
    expect(validityWindow(10 ** 9, { now }).notAfter).toEqual(new Date('2026-11-26T09:00:00Z'));
  });
});
