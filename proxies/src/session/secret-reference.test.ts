/** A secret reference is resolved by the connector, never taken for the secret it names. */
import { describe, expect, it } from 'vitest';
import { resolveSecret, UnresolvedSecretError } from './secret-reference.js';

// Built from a `$` so that no linter takes them for templates.
const $ = '$';

describe('resolveSecret', () => {
  const asked: Array<[string, string]> = [];
  const resolver = {
    resolveSecret: async (dnsname: string, reference: string) => {
      asked.push([dnsname, reference]);
      if (reference.includes('MISSING')) throw new Error('environment variable MISSING is not set');
      return `value of ${reference}`;
    },
  };

  it('passes secrets through without asking anyone', async () => {
    expect(await resolveSecret(resolver, 'db', 's3cret', 'password')).toBe('s3cret');
    expect(await resolveSecret(resolver, 'db', undefined, 'password')).toBeUndefined();
    expect(await resolveSecret(resolver, 'db', null, 'password')).toBeNull();
    // Only a whole reference is one.
    expect(await resolveSecret(resolver, 'db', `${$}{from:env`, 'password')).toBe(`${$}{from:env`);
    expect(asked).toEqual([]);
  });

  it('asks the connector of the socket for a reference, trimmed', async () => {
    const file = `${$}{from:file:/run/secrets/pg}`;
    expect(await resolveSecret(resolver, 'db', ` ${file} `, 'password')).toBe(`value of ${file}`);
    expect(asked).toEqual([['db', file]]);
  });

  it('fails naming the field and the connector’s reason', async () => {
    const missing = resolveSecret(resolver, 'db', `${$}{from:env:MISSING}`, 'private key');
    await expect(missing).rejects.toThrow(UnresolvedSecretError);
    await expect(missing).rejects.toThrow(/private key: environment variable MISSING is not set/);
  });
});
