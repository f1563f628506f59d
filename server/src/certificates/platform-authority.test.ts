import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslText, opensslVerify } from '../../test/support/cli-tools.js';
import { createCsr } from '../../test/support/client-keys.js';
import { SecretBox } from '../platform/crypto/secret-box.js';
import { openStore, type Store } from '../platform/db/database.js';
import { PROXY_CERTIFICATE_VALIDITY_MS, signProxyCertificate } from './platform-authority.js';

describe('proxy server certificates from the platform CA', () => {
  let db: Store;
  const secrets = new SecretBox(randomBytes(32));
  beforeAll(async () => {
    db = await openStore({ dataDir: 'memory://' });
  });
  afterAll(() => db?.destroy());

  const sign = async (key: 'ec-p256' | 'rsa-2048' = 'ec-p256') =>
    signProxyCertificate(db, secrets, { csr: (await createCsr(key)).csrPem, baseDomain: 'example.net' });

  it('covers every socket name and the base domain, for TLS servers, and openssl verifies it', async () => {
    const cert = await sign();
    const verify = (host: string) =>
      opensslVerify(cert.caCertificatePem, cert.certificatePem, [
        '-purpose',
        'sslserver',
        '-verify_hostname',
        host,
      ]);
    for (const host of ['web-acme.example.net', 'example.net']) {
      const result = verify(host);
      expect(result.status, `${host}: ${result.output}`).toBe(0);
    }
    for (const host of ['a.web-acme.example.net', 'example.org'])
      expect(verify(host).status, host).not.toBe(0);
    const text = opensslText(cert.certificatePem);
    expect(text).toContain('DNS:*.example.net, DNS:example.net');
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication\n/);
    expect(text).toContain('Issuer: CN = Border0 platform CA');
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(PROXY_CERTIFICATE_VALIDITY_MS + 60_000);
  });

  it('lets an RSA key encipher, as TLS 1.2 RSA key exchange needs', async () => {
    expect(opensslText((await sign('rsa-2048')).certificatePem)).toMatch(
      /Key Usage: critical\s+Digital Signature, Key Encipherment/,
    );
  });

  it('keeps one platform CA, of no organization, with its key sealed', async () => {
    const [a, b] = [await sign(), await sign()];
    expect(a.caCertificatePem).toBe(b.caCertificatePem);
    const rows = await db.selectFrom('certificate_authorities').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ org_id: null, kind: 'x509_platform', public_part: a.caCertificatePem });
    expect(rows[0]!.private_key_sealed).toMatch(/^v1\./);
    expect(secrets.open(rows[0]!.private_key_sealed)).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });
});
