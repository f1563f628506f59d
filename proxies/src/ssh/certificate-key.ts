/**
 * OpenSSH user certificates for ssh2's Client, which has none (mscdex/ssh2 issue #551): the upstream mode
 * `border0_certificate` logs in to sshd with a short-lived certificate from a CA that sshd trusts
 * (TrustedUserCAKeys).
 *
 * Certificate authentication is public-key authentication (RFC 4252 §7, PROTOCOL.certkeys) where the offered
 * algorithm is the `-cert-v01@openssh.com` one and the public key blob is the certificate, but the signature
 * inside stays a plain one ("ssh-ed25519", "rsa-sha2-256", ...). ssh2 takes the algorithm from the key's
 * `type` and its blob from `getPublicSSH()`, so a key object can offer the certificate; but ssh2 writes one
 * name for both the algorithm and the signature, which sshd refuses. So the signed request for these keys is
 * written here, by wrapping ssh2's internal `Protocol#authPK` (ssh2 1.17); every other key goes to ssh2.
 */
import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { createRequire } from 'node:module';
import ssh2, { type ParsedKey } from 'ssh2';

interface CertificateType {
  /** The private key's type in ssh2 terms. */
  keyType: string;
  /** The algorithm offered in USERAUTH_REQUEST: what ssh2 reads from the key's `type`. */
  algorithm: string;
  /** The name inside the signature blob. */
  signatureAlgorithm: string;
  /** node:crypto's digest; null for ed25519. */
  hash: string | null;
}

const CERTIFICATE_TYPES: Record<string, CertificateType> = {
  'ssh-ed25519-cert-v01@openssh.com': plain('ssh-ed25519', null),
  'ecdsa-sha2-nistp256-cert-v01@openssh.com': plain('ecdsa-sha2-nistp256', 'sha256'),
  'ecdsa-sha2-nistp384-cert-v01@openssh.com': plain('ecdsa-sha2-nistp384', 'sha384'),
  'ecdsa-sha2-nistp521-cert-v01@openssh.com': plain('ecdsa-sha2-nistp521', 'sha512'),
  // The certificate says ssh-rsa, but SHA-1 signatures are off in OpenSSH 8.8+: offer RSA/SHA-256 (RFC 8332).
  'ssh-rsa-cert-v01@openssh.com': {
    keyType: 'ssh-rsa',
    algorithm: 'rsa-sha2-256-cert-v01@openssh.com',
    signatureAlgorithm: 'rsa-sha2-256',
    hash: 'sha256',
  },
};

function plain(keyType: string, hash: string | null): CertificateType {
  return { keyType, algorithm: `${keyType}-cert-v01@openssh.com`, signatureAlgorithm: keyType, hash };
}

/** Certificate keys made here, with what the signed request needs. */
const certificateKeys = new WeakMap<object, { blob: Buffer; signatureAlgorithm: string }>();

/**
 * A key for ssh2's publickey authentication that offers `certificate` (an OpenSSH `...-cert-v01@openssh.com`
 * public key line) and signs with `privateKey` (OpenSSH or PEM format, unencrypted). ssh2 drops key objects
 * given as `privateKey`, so pass it through `authHandler`:
 * `authHandler: [{ type: 'publickey', username, key: certificateAuthKey(privateKey, certificate) }]`.
 * Throws an Error naming the problem when the certificate or key is unusable, or does not match.
 */
export function certificateAuthKey(privateKey: string | Buffer, certificate: string): ParsedKey {
  installSignedRequestWriter();
  if (typeof certificate !== 'string') throw new Error('Invalid OpenSSH certificate: not a string');
  const [name = '', base64 = '', ...comment] = certificate.trim().split(/\s+/);
  const type = CERTIFICATE_TYPES[name];
  if (type === undefined) {
    throw new Error(`Invalid OpenSSH certificate: unsupported type "${name.slice(0, 60)}"`);
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new Error('Invalid OpenSSH certificate: not base64');
  const blob = Buffer.from(base64, 'base64');

  const parsed = ssh2.utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key instanceof Error || key === undefined) {
    throw new Error(`Invalid private key: ${key?.message ?? 'no key found'}`);
  }
  if (!key.isPrivateKey()) throw new Error('Invalid private key: this is a public key');
  if (key.type !== type.keyType) {
    throw new Error(`The private key is ${key.type}, but the certificate is for ${type.keyType}`);
  }
  checkCertificate(blob, name, key.getPublicSSH());

  const signingKey: KeyObject = createPrivateKey(key.getPrivatePEM());
  // Inherits ssh2's private marks of a parsed key (parseKey passes it through), overrides what ssh2 reads.
  const certificateKey: ParsedKey = Object.create(key);
  Object.assign(certificateKey, {
    type: type.algorithm,
    comment: comment.join(' '),
    getPublicSSH: () => blob,
    // The raw signature in SSH form: ecdsa as mpint r, mpint s (RFC 5656 §3.1.2), not DER. Like ssh2's own
    // keys, returns an Error rather than throwing: ssh2 then reports a failed login instead of crashing.
    sign: (data: Buffer | string): Buffer | Error => {
      try {
        if (!type.keyType.startsWith('ecdsa-')) return sign(type.hash, Buffer.from(data), signingKey);
        const rs = sign(type.hash, Buffer.from(data), { key: signingKey, dsaEncoding: 'ieee-p1363' });
        const half = rs.length / 2;
        return Buffer.concat([mpint(rs.subarray(0, half)), mpint(rs.subarray(half))]);
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    },
  });
  certificateKeys.set(certificateKey, { blob, signatureAlgorithm: type.signatureAlgorithm });
  return certificateKey;
}

/** The certificate blob: its own type, a nonce, the public key (which must be the private key's), then a user cert. */
function checkCertificate(blob: Buffer, name: string, publicKey: Buffer): void {
  const invalid = (why: string) => new Error(`Invalid OpenSSH certificate: ${why}`);
  const stringEnd = (buffer: Buffer, offset: number): number => {
    if (offset + 4 > buffer.length) throw invalid('truncated');
    const end = offset + 4 + buffer.readUInt32BE(offset);
    if (end > buffer.length) throw invalid('truncated');
    return end;
  };
  const typeEnd = stringEnd(blob, 0);
  if (blob.toString('latin1', 4, typeEnd) !== name) throw invalid(`the blob is not a ${name}`);
  // The public key fields follow the nonce, as in the key's own blob after its type.
  const keyFields = publicKey.subarray(stringEnd(publicKey, 0));
  const keyStart = stringEnd(blob, typeEnd);
  const keyEnd = keyStart + keyFields.length;
  if (!blob.subarray(keyStart, keyEnd).equals(keyFields)) throw invalid('it certifies another key');
  // uint64 serial, then uint32 type: 1 is a user certificate, 2 a host certificate.
  if (keyEnd + 12 > blob.length) throw invalid('truncated');
  if (blob.readUInt32BE(keyEnd + 8) !== 1) throw invalid('not a user certificate');
}

function sshString(data: Buffer | string): Buffer {
  const bytes = Buffer.from(data);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** An unsigned big-endian integer as an SSH mpint (RFC 4251 §5): minimal, with a zero byte if the top bit is set. */
function mpint(value: Buffer): Buffer {
  let start = 0;
  while (start < value.length && value[start] === 0) start++;
  const digits = value.subarray(start);
  return sshString(digits.length > 0 && digits[0]! & 0x80 ? Buffer.concat([Buffer.of(0), digits]) : digits);
}

/** The parts of ssh2's Protocol (lib/protocol/Protocol.js) that authPK uses. */
interface ProtocolInternals {
  _kex: { sessionID: Buffer };
  _authsQueue: string[];
  _packetRW: { write: { allocStart: number; alloc(size: number): Buffer; finalize(packet: Buffer): Buffer } };
}
type AuthPK = (this: ProtocolInternals, username: string, key: unknown, ...rest: unknown[]) => void;
type SignCallback = (data: Buffer, done: (signature: Buffer) => void) => void;

const USERAUTH_REQUEST = 50;
let installed = false;

/**
 * Wraps `Protocol#authPK(username, key, keyAlgo?, cbSign?)`: for certificate keys with a signing callback
 * (after USERAUTH_PK_OK), writes the request as OpenSSH does; the query without signature stays ssh2's.
 */
function installSignedRequestWriter(): void {
  if (installed) return;
  const require = createRequire(import.meta.url);
  const version: string = require('ssh2/package.json').version;
  const Protocol: { prototype: { authPK?: AuthPK } } = require('ssh2/lib/protocol/Protocol.js');
  const { sendPacket } = require('ssh2/lib/protocol/utils.js') as {
    sendPacket?: (protocol: ProtocolInternals, packet: Buffer) => void;
  };
  const authPK = Protocol.prototype.authPK;
  if (typeof authPK !== 'function' || typeof sendPacket !== 'function') {
    throw new Error(
      `ssh2 ${version} no longer has Protocol#authPK or sendPacket: certificate keys need an update`,
    );
  }
  Protocol.prototype.authPK = function (this: ProtocolInternals, username, key, ...rest) {
    const certificate = typeof key === 'object' && key !== null ? certificateKeys.get(key) : undefined;
    const cbSign = rest.find((arg): arg is SignCallback => typeof arg === 'function');
    if (certificate === undefined || cbSign === undefined) return authPK.call(this, username, key, ...rest);

    // As ssh2 does: the algorithm given, else the key's type.
    const algorithm = typeof rest[0] === 'string' && rest[0] !== '' ? rest[0] : (key as ParsedKey).type;
    const request = Buffer.concat([
      Buffer.of(USERAUTH_REQUEST),
      sshString(username),
      sshString('ssh-connection'),
      sshString('publickey'),
      Buffer.of(1),
      sshString(algorithm),
      sshString(certificate.blob),
    ]);
    // RFC 4252 §7: the signature covers the session identifier and the request.
    cbSign(Buffer.concat([sshString(this._kex.sessionID), request]), (signature) => {
      const payload = Buffer.concat([
        request,
        sshString(Buffer.concat([sshString(certificate.signatureAlgorithm), sshString(signature)])),
      ]);
      const writer = this._packetRW.write;
      const packet = writer.alloc(payload.length);
      packet.set(payload, writer.allocStart);
      this._authsQueue.push('publickey');
      sendPacket(this, writer.finalize(packet));
    });
  };
  installed = true;
}
