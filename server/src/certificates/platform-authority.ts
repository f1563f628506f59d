/**
 * Server certificates for the proxies: `*.<base domain>` and `<base domain>`, signed by the platform CA
 * (clients trust its certificate, or the operator gives the proxies certificate files instead and this is
 * not used). The proxy keeps its private key: it sends a certificate request, as clients do.
 */
import type { Kysely } from 'kysely';
import type { SecretBox } from '../platform/crypto/secret-box.js';
import type { Database } from '../platform/db/schema.js';
import { platformX509Authority } from './authority-store.js';
import { parseCertificateRequest } from './certificate-request.js';
import type { ValidityWindow } from './validity-window.js';
import { type IssuedX509Certificate, signCertificate } from './x509-authority.js';
import { x509 } from './x509-library.js';

/** Long enough that a proxy renews at leisure, short enough that a leaked key expires (as public CAs do). */
export const PROXY_CERTIFICATE_VALIDITY_MS = 90 * 24 * 60 * 60 * 1000;

export interface ProxyCertificateRequest {
  /** PEM PKCS#10 request signed with the proxy's key (ECDSA P-256 or RSA ≥ 2048). */
  csr: string;
  baseDomain: string;
  now?: Date;
}

/**
 * Signs the proxy's server certificate for every socket name (`<socket>-<org>.<base domain>`, one wildcard
 * level) and the bare base domain.
 *
 * @example
 * const { certificatePem, caCertificatePem } = await signProxyCertificate(db, secrets, {
 *   csr, baseDomain: 'example.net',
 * });
 */
export async function signProxyCertificate(
  db: Kysely<Database>,
  secrets: SecretBox,
  request: ProxyCertificateRequest,
): Promise<IssuedX509Certificate> {
  const { publicKey, keyDescription } = await parseCertificateRequest(request.csr);
  const authority = await platformX509Authority(db, secrets);
  const now = request.now ?? new Date();
  const validity: ValidityWindow = {
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + PROXY_CERTIFICATE_VALIDITY_MS),
  };
  // TLS 1.2 key exchange with an RSA key encrypts the premaster secret to it: RSA keys need keyEncipherment.
  const usage = keyDescription.startsWith('RSA')
    ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
    : x509.KeyUsageFlags.digitalSignature;
  return signCertificate(authority, {
    publicKey,
    subject: [{ CN: [`*.${request.baseDomain}`] }, { O: ['Border0'] }],
    validity,
    extensions: [
      new x509.KeyUsagesExtension(usage, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: `*.${request.baseDomain}` },
        { type: 'dns', value: request.baseDomain },
      ]),
    ],
  });
}
