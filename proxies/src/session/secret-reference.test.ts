/** A secret reference is never taken for the secret it names. */
import { describe, expect, it } from 'vitest';
import { literalSecret, UnresolvedSecretError } from './secret-reference.js';

describe('literalSecret', () => {
  it('passes secrets through and refuses references, naming them', () => {
    expect(literalSecret('s3cret', 'password')).toBe('s3cret');
    expect(literalSecret(undefined, 'password')).toBeUndefined();
    // Built from a `$` so that no linter takes them for templates.
    const $ = '$';
    const texts = {
      partial: `${$}{from:env`,
      env: `${$}{from:env:PG_PASSWORD}`,
      file: ` ${$}{from:file:/run/secrets/pg} `,
    };
    expect(literalSecret(texts.partial, 'password')).toBe(texts.partial);
    for (const text of [texts.env, texts.file]) {
      expect(() => literalSecret(text, 'password')).toThrow(UnresolvedSecretError);
      expect(() => literalSecret(text, 'password')).toThrow(text.trim());
    }
  });
});
