/**
 * OpenSSH public keys as users paste them (`ssh-ed25519 AAAA… comment`, the format of RFC 4253 §6.6 blobs
 * in base64): parsed, checked to be a real key of a supported type, and written back. Supported: Ed25519,
 * ECDSA on NIST curves, RSA of at least 2048 bits, and the FIDO security-key variants of Ed25519 and ECDSA
 * P-256 (PROTOCOL.u2f). DSA and certificates are refused.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { invalid } from '../platform/http/problem.js';
import { MIN_RSA_BITS } from './certificate-request.js';
import { SshReader, SshWriter } from './ssh-wire.js';

const EC_CURVES: Record<string, { jwk: string; bytes: number }> = {
  nistp256: { jwk: 'P-256', bytes: 32 },
  nistp384: { jwk: 'P-384', bytes: 48 },
  nistp521: { jwk: 'P-521', bytes: 66 },
};

export const SUPPORTED_KEY_TYPES = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;

export interface SshPublicKey {
  type: string;
  /** The key blob: `string type` followed by the key's own fields. */
  blob: Buffer;
  /** e.g. `ED25519`, `RSA 4096`, `ECDSA-SK P-256`. */
  description: string;
}

export function parseSshPublicKey(line: string, field = 'public_key'): SshPublicKey {
  const [type, base64] = line.trim().split(/\s+/);
  if (!type || !base64 || !/^[a-z0-9@.-]{1,64}$/.test(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw invalid(field, 'must be one OpenSSH public key line: `<type> <base64> [comment]`');
  }
  if (type.includes('-cert-v01@')) throw invalid(field, 'is a certificate: send the public key itself');
  if (!(SUPPORTED_KEY_TYPES as readonly string[]).includes(type)) {
    throw invalid(field, `the key type ${type} is not supported: use ${SUPPORTED_KEY_TYPES.join(', ')}`);
  }
  const blob = Buffer.from(base64, 'base64');
  let description: string;
  try {
    description = checkKeyBlob(type, blob);
  } catch (error) {
    if (error instanceof KeyError) throw invalid(field, error.message);
    throw invalid(field, `is not a valid ${type} key`);
  }
  return { type, blob, description };
}

export function formatSshPublicKey(type: string, blob: Buffer, comment?: string): string {
  return [type, blob.toString('base64'), comment].filter(Boolean).join(' ');
}

/** The blob of an Ed25519 public key from its 32 raw bytes. */
export function ed25519KeyBlob(raw: Buffer): Buffer {
  return new SshWriter().string('ssh-ed25519').string(raw).toBuffer();
}

class KeyError extends Error {}

/** Reads the whole blob as a key of `type`; throws unless it is one, and a usable one. */
function checkKeyBlob(type: string, blob: Buffer): string {
  const reader = new SshReader(blob);
  if (reader.text() !== type) throw new KeyError(`its key data is not of type ${type}`);
  let description: string;
  if (type === 'ssh-ed25519' || type === 'sk-ssh-ed25519@openssh.com') {
    importJwk({ kty: 'OKP', crv: 'Ed25519', x: fixedLength(reader.string(), 32).toString('base64url') });
    description = type === 'ssh-ed25519' ? 'ED25519' : 'ED25519-SK';
  } else if (type === 'ssh-rsa') {
    const e = unsigned(reader.string());
    const n = unsigned(reader.string());
    const bits = n.length * 8 - Math.clz32(n[0] ?? 0) + 24;
    if (bits < MIN_RSA_BITS) throw new KeyError(`its RSA key has ${bits} bits: at least ${MIN_RSA_BITS}`);
    importJwk({ kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') });
    description = `RSA ${bits}`;
  } else {
    const name = reader.text();
    const curve = EC_CURVES[name];
    if (!curve || !type.includes(name)) throw new KeyError(`its curve ${name} does not match ${type}`);
    const point = fixedLength(reader.string(), 1 + 2 * curve.bytes);
    if (point[0] !== 0x04) throw new KeyError('its ECDSA point must be uncompressed');
    importJwk({
      kty: 'EC',
      crv: curve.jwk,
      x: point.subarray(1, 1 + curve.bytes).toString('base64url'),
      y: point.subarray(1 + curve.bytes).toString('base64url'),
    });
    description = `${type.startsWith('sk-') ? 'ECDSA-SK' : 'ECDSA'} ${curve.jwk}`;
  }
  // Security keys add the FIDO application (usually `ssh:`) after the key itself.
  if (type.startsWith('sk-')) reader.text();
  if (!reader.done) throw new KeyError('has data after the key');
  return description;
}

function fixedLength(bytes: Buffer, length: number): Buffer {
  if (bytes.length !== length) throw new KeyError(`has a key of ${bytes.length} bytes, expected ${length}`);
  return bytes;
}

/** An mpint's magnitude without the sign byte OpenSSH puts before a high bit. */
function unsigned(mpint: Buffer): Buffer {
  let start = 0;
  while (start < mpint.length - 1 && mpint[start] === 0) start++;
  return mpint.subarray(start);
}

/** Node refuses points off the curve and malformed keys on import: that is the validity check. */
function importJwk(jwk: JsonWebKey): void {
  try {
    createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw new KeyError('is not a valid public key');
  }
}
