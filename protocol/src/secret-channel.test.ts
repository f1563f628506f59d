/** Secret references are recognised whole, and the channel's JSON lines are read within their limits. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duplexPair } from './duplex-pair.js';
import { parseSecretReference, readJsonLine } from './secret-channel.js';

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

describe('readJsonLine', () => {
  it('reads one object however the bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string(), fc.string()), fc.nat(200), async (value, cut) => {
        const [a, b] = duplexPair();
        const line = Buffer.from(`${JSON.stringify(value)}\n`);
        const read = readJsonLine(b, 1 << 20, 1_000);
        const at = Math.min(cut, line.length);
        a.write(line.subarray(0, at));
        a.write(line.subarray(at));
        expect(await read).toEqual(value);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses garbage, overlong lines, early ends and silence', async () => {
    const attempt = async (send: (a: ReturnType<typeof duplexPair>[0]) => void, timeoutMs = 1_000) => {
      const [a, b] = duplexPair();
      const read = readJsonLine(b, 64, timeoutMs);
      send(a);
      return read.then(
        () => 'resolved',
        (error: Error) => error.message,
      );
    };
    expect(await attempt((a) => a.write('not json\n'))).toBe('line is not JSON');
    expect(await attempt((a) => a.write('[1,2]\n'))).toBe('line is not a JSON object');
    expect(await attempt((a) => a.write(`"${'x'.repeat(100)}"\n`))).toBe('line longer than 64 bytes');
    expect(await attempt((a) => a.end('{"a":'))).toBe('stream ended before a whole line');
    expect(await attempt(() => {}, 50)).toBe('no answer within 50 ms');
  });
});
