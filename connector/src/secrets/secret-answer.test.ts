/** The connector resolves only the references configured on the socket asked about, and says why not. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duplexPair, readJsonLine, writeJsonLine } from '@border0/protocol';
import { describe, expect, it } from 'vitest';
import { answerSecretRequest, resolveSecretReference } from './secret-answer.js';

// Built from a `$` so that no linter takes them for templates.
const $ = '$';
const envRef = (name: string) => `${$}{from:env:${name}}`;
const fileRef = (path: string) => `${$}{from:file:${path}}`;
const dir = mkdtempSync(join(tmpdir(), 'border0-secret-'));

describe('resolveSecretReference', () => {
  it('reads variables and files, dropping one final newline of a file', async () => {
    expect(await resolveSecretReference(envRef('DB_PW'), { DB_PW: 'pw from env' })).toBe('pw from env');
    const key = '-----BEGIN KEY-----\nabc\n-----END KEY-----';
    writeFileSync(join(dir, 'key'), `${key}\n`);
    writeFileSync(join(dir, 'crlf'), 'windows\r\n');
    expect(await resolveSecretReference(fileRef(join(dir, 'key')), {})).toBe(key);
    expect(await resolveSecretReference(fileRef(join(dir, 'crlf')), {})).toBe('windows');
  });

  it('refuses what it cannot read, saying why without the content', async () => {
    await expect(resolveSecretReference(envRef('UNSET'), {})).rejects.toThrow(
      'environment variable UNSET is not set on the connector',
    );
    await expect(resolveSecretReference(envRef('EMPTY'), { EMPTY: '' })).rejects.toThrow('is not set');
    await expect(resolveSecretReference(fileRef(join(dir, 'missing')), {})).rejects.toThrow(/ENOENT/);
    await expect(resolveSecretReference(fileRef('relative/path'), {})).rejects.toThrow(
      'not an absolute path',
    );
    writeFileSync(join(dir, 'empty'), '\n');
    await expect(resolveSecretReference(fileRef(join(dir, 'empty')), {})).rejects.toThrow('is empty');
    writeFileSync(join(dir, 'huge'), Buffer.alloc(70_000, 'x'));
    await expect(resolveSecretReference(fileRef(join(dir, 'huge')), {})).rejects.toThrow('larger than');
    await expect(resolveSecretReference('plain-secret', {})).rejects.toThrow('not a secret reference');
  });
});

describe('answerSecretRequest', () => {
  const ask = async (dnsname: string, request: Record<string, unknown> | string) => {
    const [proxy, connector] = duplexPair();
    const answered = answerSecretRequest(connector, dnsname, (name) =>
      name === 'db' ? [envRef('BORDER0_TEST_SECRET'), fileRef(join(dir, 'key'))] : undefined,
    );
    const answer = readJsonLine(proxy, 1 << 20, 2_000);
    if (typeof request === 'string') proxy.write(request);
    else writeJsonLine(proxy, request);
    await answered;
    return answer;
  };

  it('answers a reference configured on the socket', async () => {
    process.env.BORDER0_TEST_SECRET = 'the value';
    expect(await ask('db', { reference: envRef('BORDER0_TEST_SECRET') })).toEqual({ value: 'the value' });
    expect(await ask('db', { reference: ` ${envRef('BORDER0_TEST_SECRET')} ` })).toEqual({
      value: 'the value',
    });
  });

  it('refuses any other reference, another socket’s, and garbage', async () => {
    process.env.BORDER0_TEST_OTHER = 'not yours';
    for (const [dnsname, request] of [
      ['db', { reference: envRef('BORDER0_TEST_OTHER') }],
      ['db', { reference: fileRef('/etc/passwd') }],
      ['other', { reference: envRef('BORDER0_TEST_SECRET') }],
      ['db', { reference: 42 }],
    ] as const) {
      const answer = await ask(dnsname, request);
      expect(answer.value).toBeUndefined();
      expect(answer.error).toMatch(/not configured on socket/);
    }
    expect((await ask('db', 'not json\n')).error).toBe('line is not JSON');
    expect((await ask('db', `${'x'.repeat(5000)}\n`)).error).toMatch(/longer than 4096 bytes/);
  });
});
