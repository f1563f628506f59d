/**
 * PKCS#10 certificate signing requests (RFC 2986) as clients send them: PEM, signed by the key they hold
 * (proof of possession), with an ECDSA P-256 or RSA (at least 2048 bits) key. Anything else is refused with
 * the field named. Only the public key is used: the subject and extensions asked for are ignored.
 */
import { createPublicKey } from 'node:crypto';
import { invalid } from '../platform/http/problem.js';
import { x509 } from './x509-library.js';

/** The smallest RSA key we certify, X.509 or SSH (NIST SP 800-131A). */
export const MIN_RSA_BITS = 2048;

const PEM_REQUEST =
  /^\s*-----BEGIN (NEW )?CERTIFICATE REQUEST-----\r?\n[A-Za-z0-9+/=\r\n]+-----END (NEW )?CERTIFICATE REQUEST-----\s*$/;

export interface CertificateRequest {
  publicKey: x509.PublicKey;
  /** e.g. `ECDSA P-256`, `RSA 4096`. */
  keyDescription: string;
}

export async function parseCertificateRequest(pem: string, field = 'csr'): Promise<CertificateRequest> {
  if (!PEM_REQUEST.test(pem)) {
    throw invalid(field, 'must be one PEM certificate request (-----BEGIN CERTIFICATE REQUEST-----)');
  }
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(pem);
  } catch {
    throw invalid(field, 'is not a valid PKCS#10 certificate request');
  }
  const keyDescription = describeKey(request.publicKey.rawData, field);
  let verified = false;
  try {
    verified = await request.verify();
  } catch {
    // An algorithm Web Crypto cannot check is as good as a bad signature.
  }
  if (!verified) throw invalid(field, 'its signature does not verify with its own public key');
  return { publicKey: request.publicKey, keyDescription };
}

function describeKey(spki: ArrayBuffer, field: string): string {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    throw invalid(field, 'its public key cannot be read');
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') return 'ECDSA P-256';
  if (key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= MIN_RSA_BITS) {
    return `RSA ${details.modulusLength}`;
  }
  const found =
    key.asymmetricKeyType === 'rsa'
      ? `RSA ${details.modulusLength}`
      : `${key.asymmetricKeyType}${details.namedCurve ? ` ${details.namedCurve}` : ''}`;
  throw invalid(field, `its key (${found}) is not supported: use ECDSA P-256 or RSA of at least 2048 bits`);
}
