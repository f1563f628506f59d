/** The scrambles against mysql2's own auth plugins (an independent implementation) as the oracle. */
import { constants, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import mysql from 'mysql2';
import { describe, expect, it } from 'vitest';
import { cachingSha2Password, nativePassword, rsaEncryptedPassword } from './scramble.js';

type Plugin = (
  options?: object,
) => (args: { connection: unknown; command: object }) => (data: Buffer) => Buffer;
const plugins = mysql.authPlugins as unknown as Record<string, Plugin>;

function oracle(name: string, password: string, scramble: Buffer, options: object = {}) {
  return plugins[name]!(options)({ connection: { config: { password } }, command: {} })(scramble);
}

describe('MySQL scrambles', () => {
  for (const password of ['secret', 'pässwörd with spaces', 'x'.repeat(100)]) {
    it(`mysql_native_password and caching_sha2_password agree with mysql2 for ${password.slice(0, 20)}`, () => {
      const scramble = randomBytes(20);
      expect(nativePassword(password, scramble)).toEqual(oracle('mysql_native_password', password, scramble));
      expect(cachingSha2Password(password, scramble)).toEqual(
        oracle('caching_sha2_password', password, scramble),
      );
    });
  }

  it('answers an empty password with an empty response', () => {
    expect(nativePassword('', randomBytes(20)).length).toBe(0);
    expect(cachingSha2Password('', randomBytes(20)).length).toBe(0);
  });

  it('encrypts the password for the RSA path as the server decrypts it (pw + NUL, XOR the scramble)', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const scramble = randomBytes(20);
    const sealed = rsaEncryptedPassword(
      'secret',
      scramble,
      publicKey.export({ type: 'spki', format: 'pem' }) as string,
    );
    const plain = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, sealed);
    const unmasked = Buffer.from(plain.map((byte, i) => byte ^ scramble[i % 20]!));
    expect(unmasked.toString('utf8')).toBe('secret\0');
  });
});
