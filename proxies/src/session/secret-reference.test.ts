/** A secret reference is never taken for the secret it names. */
import { describe, expect, it } from 'vitest';
import { literalSecret, UnresolvedSecretError } from './secret-reference.js';

describe('literalSecret', () => {
  it('passes secrets through and refuses references, naming them', () => {
    expect(literalSecret('s3cret', 'password')).toBe('s3cret');
    expect(literalSecret(undefined, 'password')).toBeUndefined();
    expect(literalSecret('${from:env', 'password')).toBe('${from:env');
    for (const reference of ['${from:env:PG_PASSWORD}', ' ${from:file:/run/secrets/pg} ']) {
      expect(() => literalSecret(reference, 'password')).toThrow(UnresolvedSecretError);
      expect(() => literalSecret(reference, 'password')).toThrow(reference.trim());
    }
  });
});
