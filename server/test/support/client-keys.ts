/**
 * Keys as a client would make them, for the certificate operations: a PKCS#10 request (Web Crypto and
 * @peculiar/x509, as a browser or the CLI would) and an OpenSSH Ed25519 public key line (encoded here by
 * hand, independently of the server's encoder).
 */
import { generateKeyPairSync, type KeyObject, webcrypto } from 'node:crypto';
import { x509 } from '../../src/certificates/x509-library.js';

export type CsrKey = 'ec-p256' | 'ec-p384' | 'rsa-2048' | 'rsa-1024' | 'ed25519';

const ALGORITHMS: Record<
  Exclude<CsrKey, 'ed25519'>,
  webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams
> = {
  'ec-p256': { name: 'ECDSA', namedCurve: 'P-256' },
  'ec-p384': { name: 'ECDSA', namedCurve: 'P-384' },
  'rsa-2048': {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
  'rsa-1024': {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 1024,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
};

export interface ClientCsr {
  csrPem: string;
  keys: webcrypto.CryptoKeyPair;
}

/** A CSR with a subject the CA must ignore. */
export async function createCsr(key: CsrKey = 'ec-p256', name = 'CN=root, O=evil'): Promise<ClientCsr> {
  const algorithm =
    key === 'ed25519' ? { name: 'Ed25519' } : { ...ALGORITHMS[key], hash: 'SHA-256' as const };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name,
    keys,
    signingAlgorithm: algorithm,
  });
  return { csrPem: csr.toString('pem'), keys };
}

/** The same request with one bit of its signature flipped. */
export function breakSignature(csrPem: string): string {
  const der = Buffer.from(new x509.Pkcs10CertificateRequest(csrPem).rawData);
  der[der.length - 3]! ^= 0x01;
  return new x509.Pkcs10CertificateRequest(der).toString('pem');
}

const sshString = (value: Buffer | string) => {
  const bytes = Buffer.from(value);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

export interface ClientSshKey {
  publicKeyLine: string;
  privateKey: KeyObject;
}

export function createSshKey(comment = 'alice@laptop'): ClientSshKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(raw)]);
  return { publicKeyLine: `ssh-ed25519 ${blob.toString('base64')} ${comment}`, privateKey };
}
