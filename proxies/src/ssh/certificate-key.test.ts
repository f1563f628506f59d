/**
 * The upstream SSH logins against a real OpenSSH sshd: user certificates (border0_certificate) through
 * certificateAuthKey, and ssh2's own password and private-key modes. Keys and certificates come from ssh-keygen.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sshd, startSshd } from '@border0/testing';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { certificateAuthKey } from './certificate-key.js';

interface KeyPair {
  privateKey: string;
  publicKey: string;
  path: string;
}

let dir: string;
let sshd: Sshd;
let ca: KeyPair;
let otherCa: KeyPair;
const KINDS = {
  ed25519: { keygen: ['ed25519'], logged: 'ED25519-CERT' },
  'ecdsa-p256': { keygen: ['ecdsa', '-b', '256'], logged: 'ECDSA-CERT' },
  'ecdsa-p384': { keygen: ['ecdsa', '-b', '384'], logged: 'ECDSA-CERT' },
  'ecdsa-p521': { keygen: ['ecdsa', '-b', '521'], logged: 'ECDSA-CERT' },
  rsa: { keygen: ['rsa', '-b', '2048'], logged: 'RSA-CERT' },
} as const;
type Kind = keyof typeof KINDS;
let users: Record<Kind, KeyPair>;
let plain: KeyPair;

function keygen(name: string, ...type: string[]): KeyPair {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-N', '', '-C', name, '-f', path, '-t', ...type]);
  return { privateKey: readFileSync(path, 'utf8'), publicKey: readFileSync(`${path}.pub`, 'utf8'), path };
}

let certificates = 0;
/** `ssh-keygen -s` over a copy of the public key, so that one key can have several certificates. */
function certify(user: KeyPair, signer: KeyPair, id: string, ...options: string[]): string {
  const path = join(dir, `cert-${++certificates}`);
  writeFileSync(`${path}.pub`, user.publicKey);
  execFileSync('ssh-keygen', ['-q', '-s', signer.path, '-I', id, ...options, `${path}.pub`]);
  return readFileSync(`${path}-cert.pub`, 'utf8');
}
const userCertificate = (user: KeyPair, id: string, signer = ca) =>
  certify(user, signer, id, '-n', sshd.user, '-V', '+5m');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'border0-cert-test-'));
  ca = keygen('ca', 'ed25519');
  otherCa = keygen('other-ca', 'ed25519');
  users = Object.fromEntries(
    Object.entries(KINDS).map(([kind, { keygen: type }]) => [kind, keygen(kind, ...type)]),
  ) as Record<Kind, KeyPair>;
  plain = keygen('plain', 'ed25519');
  sshd = await startSshd({
    passwordAuthentication: true,
    authorizedKeys: [plain.publicKey],
    trustedUserCAKeys: [ca.publicKey],
  });
});

afterAll(async () => {
  await sshd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const clients: ssh2.Client[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.end();
});

/** Logs in to `server`, pinning its host key; rejects with ssh2's error when the login is refused. */
function login(server: Sshd, auth: Partial<ssh2.ConnectConfig>): Promise<ssh2.Client> {
  const hostKey = Buffer.from(server.hostKeyPublic.split(' ')[1]!, 'base64');
  const client = new ssh2.Client();
  clients.push(client);
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({
      host: '127.0.0.1',
      port: server.port,
      username: server.user,
      hostVerifier: (key: Buffer) => key.equals(hostKey),
      readyTimeout: 5_000,
      ...auth,
    });
  });
}

/** ssh2 drops key objects given as `privateKey`: they go through authHandler. */
function withKey(key: ssh2.ParsedKey, server = sshd): Promise<ssh2.Client> {
  const publickey: ssh2.PublicKeyAuthMethod = { type: 'publickey', username: server.user, key };
  return login(server, { authHandler: [publickey] });
}

function exec(client: ssh2.Client, command: string): Promise<{ output: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) return reject(error);
      let output = '';
      let code: number | null = null;
      channel.on('data', (data: Buffer) => {
        output += data.toString('utf8');
      });
      channel.stderr.resume();
      channel.on('exit', (exitCode: number | null) => {
        code = exitCode;
      });
      channel.on('close', () => resolve({ output, code }));
    });
  });
}

const REFUSED = /All configured authentication methods failed/;

/** sshd's monitor logs a login's outcome on its own schedule, which can come after the client saw it: poll. */
const expectLogged = (pattern: RegExp) => expect.poll(() => sshd.log(), { timeout: 5_000 }).toMatch(pattern);

describe('certificateAuthKey against OpenSSH sshd', () => {
  it.each(Object.keys(KINDS) as Kind[])('logs in with a %s certificate from the trusted CA', async (kind) => {
    const user = users[kind];
    const client = await withKey(certificateAuthKey(user.privateKey, userCertificate(user, `good-${kind}`)));
    expect(await exec(client, 'echo hi; exit 3')).toEqual({ output: 'hi\n', code: 3 });
    const algorithm = KINDS[kind].logged;
    await expectLogged(new RegExp(`Accepted publickey for ${sshd.user} .* ${algorithm} .* ID good-${kind} `));
  });

  it('is refused when another CA signed the certificate', async () => {
    const key = certificateAuthKey(
      users.ed25519.privateKey,
      userCertificate(users.ed25519, 'other-ca', otherCa),
    );
    await expect(withKey(key)).rejects.toThrow(REFUSED);
    // At LogLevel VERBOSE sshd gives no reason for an unknown CA, only the failure.
    await expectLogged(/Failed publickey for border0test .* ID other-ca /);
  });

  it('is refused when the certificate expired', async () => {
    const expired = certify(users.ed25519, ca, 'expired', '-n', sshd.user, '-V', '20200101:20200102');
    await expect(withKey(certificateAuthKey(users.ed25519.privateKey, expired))).rejects.toThrow(REFUSED);
    await expectLogged(/Certificate invalid: expired\nFailed publickey for border0test .* ID expired /);
  });

  it('is refused when the certificate names another principal', async () => {
    const other = certify(users.ed25519, ca, 'principal', '-n', 'someone-else', '-V', '+5m');
    await expect(withKey(certificateAuthKey(users.ed25519.privateKey, other))).rejects.toThrow(REFUSED);
    await expectLogged(/not a listed principal\nFailed publickey for border0test .* ID principal /);
  });

  it('logs in through an AuthorizedPrincipalsFile principal', async () => {
    const mapped = await startSshd({
      trustedUserCAKeys: [ca.publicKey],
      authorizedPrincipals: ['border0-proxy'],
    });
    try {
      const proxy = certify(users.ed25519, ca, 'mapped', '-n', 'border0-proxy', '-V', '+5m');
      const client = await withKey(certificateAuthKey(users.ed25519.privateKey, proxy), mapped);
      expect(await exec(client, 'id -un')).toEqual({ output: `${mapped.user}\n`, code: 0 });
      client.end();
      // The file replaces the user name as principal.
      const named = certificateAuthKey(users.ed25519.privateKey, userCertificate(users.ed25519, 'named'));
      await expect(withKey(named, mapped)).rejects.toThrow(REFUSED);
    } finally {
      await mapped.stop();
    }
  });

  it('throws a clear error for unusable certificates and keys', () => {
    const key = users.ed25519.privateKey;
    const certificate = userCertificate(users.ed25519, 'checks');
    const [, base64] = certificate.split(' ');
    const blob = Buffer.from(base64!, 'base64');
    const invalid = /^Invalid OpenSSH certificate: /;
    for (const line of ['', 'garbage', 'ssh-ed25519-cert-v01@openssh.com', plain.publicKey]) {
      expect(() => certificateAuthKey(key, line)).toThrow(invalid);
    }
    expect(() => certificateAuthKey(key, 'ssh-ed25519-cert-v01@openssh.com !!!not-base64')).toThrow(
      /not base64/,
    );
    expect(() => certificateAuthKey(key, 42 as unknown as string)).toThrow(/not a string/);
    // Every truncation of a real certificate is an Error, never a crash.
    for (let length = 0; length < 60; length++) {
      const line = `ssh-ed25519-cert-v01@openssh.com ${blob.subarray(0, length).toString('base64')}`;
      expect(() => certificateAuthKey(key, line)).toThrow(invalid);
    }
    const ecdsaCertificate = userCertificate(users['ecdsa-p256'], 'checks');
    expect(() => certificateAuthKey(key, ecdsaCertificate)).toThrow(/private key is ssh-ed25519/);
    expect(() => certificateAuthKey(plain.privateKey, certificate)).toThrow(/another key/);
    const hostCertificate = certify(users.ed25519, ca, 'host', '-h', '-n', 'host.test');
    expect(() => certificateAuthKey(key, hostCertificate)).toThrow(/not a user certificate/);
    expect(() => certificateAuthKey('not a key', certificate)).toThrow(/Invalid private key/);
    expect(() => certificateAuthKey(users.ed25519.publicKey, certificate)).toThrow(/public key/);
  });
});

describe('certificateAuthKey signatures', () => {
  // sshd checks one signature per login; r or s with a leading zero byte comes once in 256.
  it('writes ecdsa signatures as minimal mpints that verify', () => {
    const user = users['ecdsa-p256'];
    const key = certificateAuthKey(user.privateKey, userCertificate(user, 'mpint'));
    const publicKey = (ssh2.utils.parseKey(user.privateKey) as ssh2.ParsedKey).getPublicPEM();
    for (let i = 0; i < 500; i++) {
      const data = randomBytes(64);
      const signature = key.sign(data);
      const values: Buffer[] = [];
      for (let offset = 0; offset < signature.length; ) {
        const length = signature.readUInt32BE(offset);
        const value = signature.subarray(offset + 4, offset + 4 + length);
        expect(value[0]! & 0x80).toBe(0);
        if (value[0] === 0) expect(value[1]! & 0x80).not.toBe(0);
        values.push(value);
        offset += 4 + length;
      }
      expect(values).toHaveLength(2);
      // Back to fixed-width r || s: without the sign byte, left-padded to the curve's 32 bytes.
      const bare = values.map((value) => (value[0] === 0 ? value.subarray(1) : value));
      const p1363 = Buffer.concat(
        bare.map((value) => Buffer.concat([Buffer.alloc(32 - value.length), value])),
      );
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, p1363)).toBe(true);
    }
  });
});

describe('ssh2 upstream modes against OpenSSH sshd', () => {
  it('logs in with a password', async () => {
    const client = await login(sshd, { password: sshd.password });
    expect(await exec(client, 'echo hi; exit 3')).toEqual({ output: 'hi\n', code: 3 });
    await expect(login(sshd, { password: 'wrong' })).rejects.toThrow(REFUSED);
  });

  it('logs in with a private key listed in AuthorizedKeysFile', async () => {
    const client = await login(sshd, { privateKey: plain.privateKey });
    expect(await exec(client, 'echo hi; exit 3')).toEqual({ output: 'hi\n', code: 3 });
    await expect(login(sshd, { privateKey: users.ed25519.privateKey })).rejects.toThrow(REFUSED);
  });
});
