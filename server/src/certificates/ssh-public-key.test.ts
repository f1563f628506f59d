import { describe, expect, it } from 'vitest';
import { sshKeygenKey } from '../../test/support/cli-tools.js';
import { ApiError } from '../platform/http/problem.js';
import { parseSshPublicKey } from './ssh-public-key.js';
import { SshWriter } from './ssh-wire.js';

function refusal(line: string): string {
  try {
    parseSshPublicKey(line);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).errors[0]!.field).toBe('public_key');
    return (error as ApiError).message;
  }
  throw new Error(`accepted ${line}`);
}

const line = (type: string, ...fields: (Buffer | string)[]) => {
  const w = new SshWriter().string(type);
  for (const f of fields) w.string(f);
  return `${type} ${w.toBuffer().toString('base64')}`;
};

describe('OpenSSH public key lines (RFC 4253 §6.6)', () => {
  it.each([
    [['-t', 'ed25519'], 'ED25519'],
    [['-t', 'ecdsa', '-b', '256'], 'ECDSA P-256'],
    [['-t', 'ecdsa', '-b', '384'], 'ECDSA P-384'],
    [['-t', 'ecdsa', '-b', '521'], 'ECDSA P-521'],
    [['-t', 'rsa', '-b', '2048'], 'RSA 2048'],
    [['-t', 'rsa', '-b', '3072'], 'RSA 3072'],
  ])('reads a key made by ssh-keygen %j', (args, description) => {
    const key = parseSshPublicKey(sshKeygenKey(args));
    expect(key.description).toBe(description);
  });

  it('refuses RSA below 2048 bits and DSA', () => {
    expect(refusal(sshKeygenKey(['-t', 'rsa', '-b', '1024']))).toMatch(/1024 bits/);
    expect(refusal(sshKeygenKey(['-t', 'dsa']))).toMatch(/ssh-dss is not supported/);
  });

  it('refuses a certificate, garbage, and a blob of another type than the line says', () => {
    expect(refusal('ssh-ed25519-cert-v01@openssh.com AAAA')).toMatch(/is a certificate/);
    expect(refusal('not-a-key!')).toMatch(/OpenSSH public key line/);
    expect(refusal('Not A key')).toMatch(/OpenSSH public key line/);
    expect(refusal('ssh-foo AAAA')).toMatch(/ssh-foo is not supported/);
    expect(refusal('ssh-ed25519')).toMatch(/OpenSSH public key line/);
    const ed25519 = sshKeygenKey(['-t', 'ed25519']);
    expect(refusal(`ssh-rsa ${ed25519.split(' ')[1]}`)).toMatch(/not of type ssh-rsa/);
  });

  it('refuses a wrong key length, trailing data and a point off the curve', () => {
    expect(refusal(line('ssh-ed25519', Buffer.alloc(31, 1)))).toMatch(/31 bytes/);
    expect(refusal(line('ssh-ed25519', Buffer.alloc(32, 1), 'more'))).toMatch(/after the key/);
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]);
    expect(refusal(line('ecdsa-sha2-nistp256', 'nistp256', offCurve))).toMatch(/not a valid public key/);
    expect(refusal(line('ecdsa-sha2-nistp256', 'nistp384', offCurve))).toMatch(/does not match/);
    expect(refusal(line('ssh-ed25519'))).toMatch(/not a valid ssh-ed25519 key/);
  });

  it('reads security-key (sk-) keys with their FIDO application', () => {
    const raw = Buffer.from(sshKeygenKey(['-t', 'ed25519']).split(' ')[1]!, 'base64').subarray(-32);
    const key = parseSshPublicKey(line('sk-ssh-ed25519@openssh.com', raw, 'ssh:'));
    expect(key.description).toBe('ED25519-SK');
  });
});
