import { describe, expect, it } from 'vitest';
import { sshFingerprint, sshKeygenKey, sshKeygenList } from '../../test/support/cli-tools.js';
import type { CertificateIdentity } from './certificate-identity.js';
import { createSshAuthority, loadSshAuthority, principalsOf, signUserCertificate } from './ssh-authority.js';
import { parseSshCertificate, verifySshCertificate } from './ssh-certificate.js';
import { parseSshPublicKey } from './ssh-public-key.js';
import { SshWriter } from './ssh-wire.js';
import { validityWindow } from './validity-window.js';

const material = createSshAuthority('acme Border0 user CA');
const ca = loadSshAuthority(material.publicKeyLine, material.privateKeyPem);
const alice: CertificateIdentity = { kind: 'user', email: 'alice@acme.dev', orgName: 'acme' };
const now = new Date('2026-11-26T08:00:00Z');

function issue(publicKeyLine: string, identity = alice) {
  return signUserCertificate(ca, parseSshPublicKey(publicKeyLine), identity, validityWindow(3600, { now }));
}

describe('OpenSSH user certificates (PROTOCOL.certkeys)', () => {
  it('are read by ssh-keygen -L with the key id, principals, validity, extensions and an Ed25519 CA', () => {
    const cert = issue(sshKeygenKey(['-t', 'ed25519']));
    const { status, output } = sshKeygenList(cert.certificateLine);
    expect(status, output).toBe(0);
    expect(output).toContain('Type: ssh-ed25519-cert-v01@openssh.com user certificate');
    expect(output).toContain(
      `Signing CA: ED25519 ${sshFingerprint(material.publicKeyLine)} (using ssh-ed25519)`,
    );
    expect(output).toContain('Key ID: "alice@acme.dev"');
    expect(output).toContain(`Serial: ${cert.serial}`);
    expect(output).toContain('Valid: from 2026-11-26T07:59:00 to 2026-11-26T09:00:00');
    expect(output).toMatch(/Principals: \n\s+alice@acme.dev\n\s+alice\n/);
    expect(output).toMatch(/Critical Options: \(none\)/);
    expect(output).toMatch(
      /Extensions: \n\s+permit-agent-forwarding\n\s+permit-port-forwarding\n\s+permit-pty\n/,
    );
    expect(output).not.toContain('permit-X11-forwarding');
  });

  it.each([
    [['-t', 'ecdsa', '-b', '256'], 'ecdsa-sha2-nistp256-cert-v01@openssh.com'],
    [['-t', 'ecdsa', '-b', '521'], 'ecdsa-sha2-nistp521-cert-v01@openssh.com'],
    [['-t', 'rsa', '-b', '3072'], 'ssh-rsa-cert-v01@openssh.com'],
  ])('certify %j keys as ssh-keygen expects', (args, type) => {
    const cert = issue(sshKeygenKey(args));
    expect(cert.certificateLine.startsWith(`${type} `)).toBe(true);
    const { status, output } = sshKeygenList(cert.certificateLine);
    expect(status, output).toBe(0);
    expect(output).toContain(`Type: ${type} user certificate`);
  });

  it('certify security keys (sk-ssh-ed25519, sk-ecdsa) as ssh-keygen expects', () => {
    // No FIDO token here: security-key blobs are a plain key plus the FIDO application (PROTOCOL.u2f).
    const ed25519 = Buffer.from(sshKeygenKey(['-t', 'ed25519']).split(' ')[1]!, 'base64').subarray(-32);
    const ecdsa = Buffer.from(sshKeygenKey(['-t', 'ecdsa', '-b', '256']).split(' ')[1]!, 'base64').subarray(
      -65,
    );
    const keys: [string, Buffer[]][] = [
      ['sk-ssh-ed25519@openssh.com', [ed25519]],
      ['sk-ecdsa-sha2-nistp256@openssh.com', [Buffer.from('nistp256'), ecdsa]],
    ];
    for (const [type, fields] of keys) {
      const blob = new SshWriter().string(type);
      for (const field of fields) blob.string(field);
      const cert = issue(`${type} ${blob.string('ssh:').toBuffer().toString('base64')}`);
      const { status, output } = sshKeygenList(cert.certificateLine);
      expect(status, output).toBe(0);
      expect(output).toContain(`Type: ${type.replace('@', '-cert-v01@')} user certificate`);
    }
  });

  it('verify with the CA key in code, and not with another CA or after tampering', () => {
    const cert = issue(sshKeygenKey(['-t', 'ed25519']));
    const parsed = parseSshCertificate(cert.certificateLine);
    expect(parsed).toMatchObject({ keyId: 'alice@acme.dev', principals: ['alice@acme.dev', 'alice'] });
    expect(parsed.validBefore.getTime() - parsed.validAfter.getTime()).toBe(3600_000 + 60_000);
    expect(verifySshCertificate(parsed, ca.keyBlob)).toBe(true);
    const other = loadSshAuthority(...(Object.values(createSshAuthority('other')) as [string, string]));
    expect(verifySshCertificate(parsed, other.keyBlob)).toBe(false);

    // Moving the validity an hour on: the CA's signature no longer covers it, and OpenSSH refuses it too.
    const blob = Buffer.from(cert.certificateLine.split(' ')[1]!, 'base64');
    const validBefore = Buffer.alloc(8);
    validBefore.writeBigUInt64BE(BigInt(parsed.validBefore.getTime() / 1000));
    const at = blob.indexOf(validBefore);
    expect(at).toBeGreaterThan(0);
    blob.writeBigUInt64BE(BigInt(parsed.validBefore.getTime() / 1000 + 3600), at);
    const tampered = `ssh-ed25519-cert-v01@openssh.com ${blob.toString('base64')}`;
    expect(verifySshCertificate(parseSshCertificate(tampered), ca.keyBlob)).toBe(false);
    const refused = sshKeygenList(tampered);
    expect(refused.status).not.toBe(0);
    expect(refused.output).toContain('incorrect signature');
  });

  it('names a service account by its name', () => {
    const bot: CertificateIdentity = { kind: 'service_account', name: 'ci-bot', orgName: 'acme' };
    expect(principalsOf(bot)).toEqual(['ci-bot']);
    const cert = issue(sshKeygenKey(['-t', 'ed25519']), bot);
    expect(cert.keyId).toBe('service-account:ci-bot');
    expect(sshKeygenList(cert.certificateLine).output).toMatch(/Principals: \n\s+ci-bot\n\s+Critical/);
  });
});
