/**
 * SSH user certificate authorities on Ed25519: creating one, loading it from storage, and signing OpenSSH
 * user certificates for identities, which clients present to the proxies. Upstream sshds must trust a
 * separate CA that only the proxies use: trusting this one would let members bypass the proxies.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { type CertificateIdentity, identityName } from './certificate-identity.js';
import { certificateType, SSH_CERT_TYPE_USER, signSshCertificate } from './ssh-certificate.js';
import { ed25519KeyBlob, formatSshPublicKey, type SshPublicKey } from './ssh-public-key.js';
import type { ValidityWindow } from './validity-window.js';

/**
 * What a certificate may do at the far end. The proxy's policies decide shell, exec, sftp and forwarding per
 * socket; X11 forwarding and `~/.ssh/rc` are left out because nothing in the path can police them.
 */
export const USER_CERTIFICATE_EXTENSIONS = [
  'permit-agent-forwarding',
  'permit-port-forwarding',
  'permit-pty',
] as const;

/** What is stored of a CA: its public key line and its private key (PKCS#8 PEM). */
export interface SshAuthorityMaterial {
  publicKeyLine: string;
  privateKeyPem: string;
}

export interface SshAuthority {
  publicKeyLine: string;
  keyBlob: Buffer;
  privateKey: KeyObject;
}

export interface IssuedSshCertificate {
  /** `ssh-ed25519-cert-v01@openssh.com AAAA… <key id>`, ready for `~/.ssh/*-cert.pub`. */
  certificateLine: string;
  keyId: string;
  serial: string;
  principals: string[];
  validAfter: Date;
  validBefore: Date;
}

export function createSshAuthority(comment: string): SshAuthorityMaterial {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return {
    publicKeyLine: formatSshPublicKey('ssh-ed25519', ed25519KeyBlob(raw), comment),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

export function loadSshAuthority(publicKeyLine: string, privateKeyPem: string): SshAuthority {
  return {
    publicKeyLine,
    keyBlob: Buffer.from(publicKeyLine.split(' ')[1]!, 'base64'),
    privateKey: createPrivateKey(privateKeyPem),
  };
}

/**
 * The login names a certificate carries: a person's email and its local part (`alice@acme.dev`, `alice`),
 * a service account's name.
 */
export function principalsOf(identity: CertificateIdentity): string[] {
  if (identity.kind === 'service_account') return [identity.name];
  const local = identity.email.slice(0, identity.email.lastIndexOf('@'));
  return local ? [identity.email, local] : [identity.email];
}

export function signUserCertificate(
  authority: SshAuthority,
  key: SshPublicKey,
  identity: CertificateIdentity,
  validity: ValidityWindow,
): IssuedSshCertificate {
  return signCertificate(authority, key, identityName(identity), principalsOf(identity), validity);
}

/**
 * A proxy's certificate for one session on an upstream sshd: one login name, a key id naming the session
 * and the person (sshd logs it), minutes of validity.
 */
export function signUpstreamCertificate(
  authority: SshAuthority,
  key: SshPublicKey,
  request: { keyId: string; loginName: string; validity: ValidityWindow },
): IssuedSshCertificate {
  return signCertificate(authority, key, request.keyId, [request.loginName], request.validity);
}

function signCertificate(
  authority: SshAuthority,
  key: SshPublicKey,
  keyId: string,
  principals: string[],
  validity: ValidityWindow,
): IssuedSshCertificate {
  const serial = randomBytes(8).readBigUInt64BE();
  const blob = signSshCertificate(
    {
      keyBlob: key.blob,
      nonce: randomBytes(32),
      serial,
      certType: SSH_CERT_TYPE_USER,
      keyId,
      principals,
      validAfter: validity.notBefore,
      validBefore: validity.notAfter,
      criticalOptions: {},
      extensions: [...USER_CERTIFICATE_EXTENSIONS],
    },
    authority,
  );
  return {
    certificateLine: formatSshPublicKey(certificateType(key.type), blob, keyId),
    keyId,
    serial: serial.toString(),
    principals,
    validAfter: validity.notBefore,
    validBefore: validity.notAfter,
  };
}
