/** Secret references are recognised whole. */
import { describe, expect, it } from 'vitest';
import { parseSecretReference } from './secret-channel.js';

// Built from a `$` so that no linter takes them for templates.
const $ = '$';

describe('parseSecretReference', () => {
  it('recognises whole env and file references, and nothing else', () => {
    expect(parseSecretReference(` ${$}{from:env:PG_PASSWORD} `)).toEqual({
      source: 'env',
      name: 'PG_PASSWORD',
    });
    expect(parseSecretReference(`${$}{from:file:/run/secrets/pg}`)).toEqual({
      source: 'file',
      name: '/run/secrets/pg',
    });
    for (const text of ['s3cret', `${$}{from:env:}`, `${$}{from:vault:x}`, `x${$}{from:env:A}`, '', null]) {
      expect(parseSecretReference(text)).toBeUndefined();
    }
  });
});
