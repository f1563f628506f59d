/**
 * The client certificate the CLI presents to proxies: a P-256 key made on this machine (it never leaves it),
 * a certificate of the organization's client CA for it, and the platform CA that signs the proxies'
 * certificates. Kept under the config directory with mode 0600 and renewed when less than 15 minutes are left
 * (certificates last at most an hour).
 */
import { createHash, generateKeyPairSync, webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Border0Client } from '@border0/sdk';

export interface ClientCredentials {
  key: string;
  cert: string;
  /** The CA the proxies' certificates chain to. */
  platformCa: string;
}

const RENEW_BEFORE_MS = 15 * 60 * 1000;

async function csrFor(privateKeyPem: string, publicKeyPem: string): Promise<string> {
  // Loaded only to make a request (hours apart): every ProxyCommand start would pay for it otherwise.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', der(privateKeyPem), algorithm, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', der(publicKeyPem), algorithm, true, ['verify']),
  };
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=border0-cli',
    keys,
    signingAlgorithm: algorithm,
  });
  return csr.toString('pem');
}

/**
 * The stored credentials of `identity` (a person's email, or a token for identities with no stored login)
 * in `organization`, renewed through the API when missing or about to expire. Each identity has its own: two
 * identities on one machine never share a certificate.
 */
export async function clientCredentials(
  client: Border0Client,
  dir: string,
  organization: string,
  identity: string,
): Promise<ClientCredentials> {
  const home = join(
    dir,
    'client',
    organization,
    createHash('sha256').update(identity).digest('hex').slice(0, 16),
  );
  const files = {
    key: join(home, 'key.pem'),
    cert: join(home, 'cert.pem'),
    platformCa: join(home, 'platform-ca.pem'),
  };
  if (existsSync(files.key) && existsSync(files.cert) && existsSync(files.platformCa)) {
    const cert = readFileSync(files.cert, 'utf8');
    if (Date.parse(new X509Certificate(cert).validTo) - Date.now() > RENEW_BEFORE_MS) {
      return {
        key: readFileSync(files.key, 'utf8'),
        cert,
        platformCa: readFileSync(files.platformCa, 'utf8'),
      };
    }
  }
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const key = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const issued = await client.post('/api/v1/client/certificates', {
    body: { csr: await csrFor(key, publicKey) },
  });
  const authorities = await client.get('/api/v1/client/ca');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const cert = `${issued.certificate.trim()}\n${issued.ca_certificate.trim()}\n`;
  writeFileSync(files.key, key, { mode: 0o600 });
  writeFileSync(files.cert, cert, { mode: 0o600 });
  writeFileSync(files.platformCa, authorities.platform_ca_certificate, { mode: 0o600 });
  return { key, cert, platformCa: authorities.platform_ca_certificate };
}
