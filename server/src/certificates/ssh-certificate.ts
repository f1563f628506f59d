/**
 * OpenSSH certificates (PROTOCOL.certkeys, "ssh-*-cert-v01@openssh.com"): the encoder the SSH CA signs
 * with, and a parser with signature verification for whoever must check one (tests, later the proxies).
 * Only Ed25519 CA keys are signed and verified here, which is what our CAs are.
 */
import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { packStrings, SshReader, SshWriter, unpackStrings } from './ssh-wire.js';

export const SSH_CERT_TYPE_USER = 1;
export const SSH_CERT_TYPE_HOST = 2;

/** How many fields follow the type string in each key type's blob (and so in its certificate). */
const KEY_FIELDS: Record<string, number> = {
  'ssh-ed25519': 1,
  'ssh-rsa': 2,
  'ecdsa-sha2-nistp256': 2,
  'ecdsa-sha2-nistp384': 2,
  'ecdsa-sha2-nistp521': 2,
  'sk-ssh-ed25519@openssh.com': 2,
  'sk-ecdsa-sha2-nistp256@openssh.com': 3,
};

/** `ssh-ed25519` → `ssh-ed25519-cert-v01@openssh.com`, `sk-…@openssh.com` → `sk-…-cert-v01@openssh.com`. */
export function certificateType(keyType: string): string {
  return keyType.endsWith('@openssh.com')
    ? keyType.replace(/@openssh\.com$/, '-cert-v01@openssh.com')
    : `${keyType}-cert-v01@openssh.com`;
}

export interface SshCertificateFields {
  /** The certified key's blob (`string type` + the key's fields). */
  keyBlob: Buffer;
  nonce: Buffer;
  serial: bigint;
  certType: typeof SSH_CERT_TYPE_USER | typeof SSH_CERT_TYPE_HOST;
  keyId: string;
  principals: string[];
  validAfter: Date;
  validBefore: Date;
  /** Name → value (e.g. `source-address`); the spec's options all carry a value. */
  criticalOptions: Record<string, string>;
  /** Flag extensions (e.g. `permit-pty`), which carry no value. */
  extensions: string[];
}

export interface ParsedSshCertificate extends SshCertificateFields {
  type: string;
  signatureKeyBlob: Buffer;
  signature: Buffer;
  /** Everything the signature covers: the certificate up to and including the signature key. */
  signedData: Buffer;
}

const seconds = (date: Date) => BigInt(Math.floor(date.getTime() / 1000));

/** Encodes and signs a certificate with an Ed25519 CA key; returns the certificate blob. */
export function signSshCertificate(
  fields: SshCertificateFields,
  ca: { keyBlob: Buffer; privateKey: KeyObject },
): Buffer {
  const key = new SshReader(fields.keyBlob);
  const keyType = key.text();
  if (!(keyType in KEY_FIELDS)) throw new Error(`cannot certify a ${keyType} key`);
  const options = new SshWriter();
  for (const name of Object.keys(fields.criticalOptions).sort()) {
    options.string(name).string(new SshWriter().string(fields.criticalOptions[name]!).toBuffer());
  }
  const extensions = new SshWriter();
  // The spec requires both lists in lexical order; sshd refuses certificates that break it.
  for (const name of [...fields.extensions].sort()) extensions.string(name).string('');
  const toSign = new SshWriter()
    .string(certificateType(keyType))
    .string(fields.nonce)
    .raw(fields.keyBlob.subarray(key.offset))
    .uint64(fields.serial)
    .uint32(fields.certType)
    .string(fields.keyId)
    .string(packStrings(fields.principals))
    .uint64(seconds(fields.validAfter))
    .uint64(seconds(fields.validBefore))
    .string(options.toBuffer())
    .string(extensions.toBuffer())
    .string('') // reserved
    .string(ca.keyBlob)
    .toBuffer();
  const signature = new SshWriter()
    .string('ssh-ed25519')
    .string(sign(null, toSign, ca.privateKey))
    .toBuffer();
  return new SshWriter().raw(toSign).string(signature).toBuffer();
}

/** Reads a certificate line (`<type> <base64> [comment]`) or blob. Throws on anything malformed. */
export function parseSshCertificate(input: string | Buffer): ParsedSshCertificate {
  const blob = typeof input === 'string' ? Buffer.from(input.trim().split(/\s+/)[1] ?? '', 'base64') : input;
  const reader = new SshReader(blob);
  const type = reader.text();
  const keyType = Object.keys(KEY_FIELDS).find((k) => certificateType(k) === type);
  if (!keyType) throw new Error(`not an OpenSSH certificate type: ${type}`);
  const nonce = reader.string();
  const keyFields = new SshWriter().string(keyType);
  for (let i = 0; i < KEY_FIELDS[keyType]!; i++) keyFields.string(reader.string());
  const serial = reader.uint64();
  const certType = reader.uint32();
  if (certType !== SSH_CERT_TYPE_USER && certType !== SSH_CERT_TYPE_HOST) {
    throw new Error(`unknown certificate type ${certType}`);
  }
  const keyId = reader.text();
  const principals = unpackStrings(reader.string());
  const validAfter = new Date(Number(reader.uint64()) * 1000);
  const validBefore = new Date(Number(reader.uint64()) * 1000);
  const criticalOptions: Record<string, string> = {};
  const options = new SshReader(reader.string());
  while (!options.done) criticalOptions[options.text()] = new SshReader(options.string()).text();
  const extensions: string[] = [];
  const exts = new SshReader(reader.string());
  while (!exts.done) {
    extensions.push(exts.text());
    exts.string();
  }
  reader.string(); // reserved
  const signatureKeyBlob = reader.string();
  const signedData = reader.slice(0);
  const signature = reader.string();
  if (!reader.done) throw new Error('data after the signature');
  return {
    type,
    keyBlob: keyFields.toBuffer(),
    nonce,
    serial,
    certType,
    keyId,
    principals,
    validAfter,
    validBefore,
    criticalOptions,
    extensions,
    signatureKeyBlob,
    signature,
    signedData,
  };
}

/** Whether `certificate` was signed by the Ed25519 CA whose key blob is `caKeyBlob`. */
export function verifySshCertificate(certificate: ParsedSshCertificate, caKeyBlob: Buffer): boolean {
  if (!certificate.signatureKeyBlob.equals(caKeyBlob)) return false;
  const key = new SshReader(caKeyBlob);
  const signature = new SshReader(certificate.signature);
  if (key.text() !== 'ssh-ed25519' || signature.text() !== 'ssh-ed25519') return false;
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: key.string().toString('base64url') },
    format: 'jwk',
  });
  return verify(null, certificate.signedData, publicKey, signature.string());
}
