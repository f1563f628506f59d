/**
 * X.509 certificate authorities on ECDSA P-256: creating a self-signed CA, loading one from storage, and
 * signing client certificates for identities (mTLS to the proxies). Requests are checked by
 * `certificate-request.ts` before they get here.
 */
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import type { CertificateIdentity } from './certificate-identity.js';
import { identityName } from './certificate-identity.js';
import type { ValidityWindow } from './validity-window.js';
import { x509 } from './x509-library.js';

export const SIGNING_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** CA certificates are valid for five years; the certificates they sign, for hours. */
export const CA_VALIDITY_MS = 5 * 365 * 24 * 60 * 60 * 1000;

/** What is stored of a CA: its certificate and its private key (PKCS#8), both PEM. */
export interface X509AuthorityMaterial {
  certificatePem: string;
  privateKeyPem: string;
  notAfter: Date;
}

export interface X509Authority {
  certificate: x509.X509Certificate;
  privateKey: webcrypto.CryptoKey;
}

export interface IssuedX509Certificate {
  certificatePem: string;
  /** The chain up to the trust anchor, excluding the certificate itself: here the CA alone. */
  caCertificatePem: string;
  serial: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

/** A serial of 16 random bytes, positive and without a leading zero byte (RFC 5280 §4.1.2.2), as hex. */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

export async function createX509Authority(
  commonName: string,
  now = new Date(),
): Promise<X509AuthorityMaterial> {
  const keys = (await webcrypto.subtle.generateKey(SIGNING_ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const notAfter = new Date(now.getTime() + CA_VALIDITY_MS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [commonName] }],
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      // Path length 0: this CA signs end-entity certificates only, never another CA.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    certificatePem: certificate.toString('pem'),
    privateKeyPem: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
      .export({ format: 'pem', type: 'pkcs8' })
      .toString(),
    notAfter,
  };
}

export async function loadX509Authority(
  certificatePem: string,
  privateKeyPem: string,
): Promise<X509Authority> {
  const der = createPrivateKey(privateKeyPem).export({ format: 'der', type: 'pkcs8' });
  return {
    certificate: new x509.X509Certificate(certificatePem),
    privateKey: await webcrypto.subtle.importKey('pkcs8', der, SIGNING_ALGORITHM, false, ['sign']),
  };
}

/**
 * Signs an end-entity certificate for `publicKey` with `extensions` on top of the ones every certificate of
 * ours carries (not a CA, issuer's key id).
 */
export async function signCertificate(
  authority: X509Authority,
  input: {
    publicKey: x509.PublicKey;
    subject: x509.JsonName;
    validity: ValidityWindow;
    extensions: x509.Extension[];
  },
): Promise<IssuedX509Certificate> {
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: input.subject,
    issuer: authority.certificate.subject,
    notBefore: input.validity.notBefore,
    notAfter: input.validity.notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: input.publicKey,
    signingKey: authority.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      ...input.extensions,
      await x509.AuthorityKeyIdentifierExtension.create(authority.certificate, false),
    ],
  });
  return {
    certificatePem: certificate.toString('pem'),
    caCertificatePem: authority.certificate.toString('pem'),
    serial: certificate.serialNumber,
    subject: certificate.subject,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
  };
}

/**
 * A client certificate for mTLS to the proxies: subject CN = the identity, O = the organization; people
 * also get their email as a SAN. Only `clientAuth`: it cannot serve as a server's certificate.
 */
export function signClientCertificate(
  authority: X509Authority,
  publicKey: x509.PublicKey,
  identity: CertificateIdentity,
  validity: ValidityWindow,
): Promise<IssuedX509Certificate> {
  return signCertificate(authority, {
    publicKey,
    subject: [{ CN: [identityName(identity)] }, { O: [identity.orgName] }],
    validity,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      ...(identity.kind === 'user'
        ? [new x509.SubjectAlternativeNameExtension([{ type: 'email', value: identity.email }])]
        : []),
    ],
  });
}
