/** Client certificates (X.509 for mTLS, OpenSSH for SSH) and the CAs that sign them. */
import { z } from '@hono/zod-openapi';
import { Timestamp } from '../platform/http/common-schemas.js';
import { MAX_CERTIFICATE_TTL_SECONDS, MIN_CERTIFICATE_TTL_SECONDS } from './validity-window.js';

const TtlSeconds = z
  .number()
  .int()
  .min(MIN_CERTIFICATE_TTL_SECONDS)
  .max(MAX_CERTIFICATE_TTL_SECONDS)
  .optional()
  .openapi({
    description:
      'How long the certificate is valid, in seconds: at most one hour (3600), which is also the default. ' +
      'A longer one is refused, not shortened. It never outlives the token that asks for it.',
    example: 3600,
  });

export const ClientCertificateRequest = z
  .strictObject({
    csr: z
      .string()
      .min(1)
      .max(16_384)
      .openapi({
        description:
          'A PEM PKCS#10 certificate request signed with the client’s key: ECDSA P-256 or RSA of at least ' +
          '2048 bits. Only its public key is used; the subject is set by the CA.',
        example: '-----BEGIN CERTIFICATE REQUEST-----\nMIH…\n-----END CERTIFICATE REQUEST-----\n',
      }),
    ttl_seconds: TtlSeconds,
  })
  .openapi('ClientCertificateRequest');

export const ClientCertificate = z
  .object({
    certificate: z.string().openapi({ description: 'The client certificate, PEM (clientAuth only).' }),
    ca_certificate: z
      .string()
      .openapi({ description: 'The chain to trust: the organization’s client CA certificate, PEM.' }),
    serial: z.string().openapi({ description: 'Serial number, hex.', example: '5f3a…' }),
    subject: z.string().openapi({
      description: 'CN = the email of the person or `service-account:<name>`, O = the organization.',
      example: 'CN=alice@acme.dev, O=acme',
    }),
    not_before: Timestamp,
    not_after: Timestamp,
  })
  .openapi('ClientCertificate');

export const SshCertificateRequest = z
  .strictObject({
    public_key: z
      .string()
      .min(1)
      .max(16_384)
      .openapi({
        description:
          'An OpenSSH public key line: Ed25519, ECDSA (NIST curves), RSA of at least 2048 bits, or their ' +
          'security-key (sk-) variants.',
        example: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… alice@laptop',
      }),
    ttl_seconds: TtlSeconds,
  })
  .openapi('SshCertificateRequest');

export const SshCertificate = z
  .object({
    certificate: z.string().openapi({
      description: 'The OpenSSH user certificate line, for `~/.ssh/id_…-cert.pub`.',
      example: 'ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQt… alice@acme.dev',
    }),
    ca_public_key: z.string().openapi({ description: 'The organization’s SSH user CA, OpenSSH format.' }),
    key_id: z.string().openapi({
      description: 'The identity: the email of the person or `service-account:<name>`.',
      example: 'alice@acme.dev',
    }),
    serial: z.string().openapi({ description: 'Serial number, decimal (64 bits).', example: '1234567890' }),
    principals: z.array(z.string()).openapi({
      description: 'Login names: the email and its local part, or the service account’s name.',
      example: ['alice@acme.dev', 'alice'],
    }),
    valid_after: Timestamp,
    valid_before: Timestamp,
  })
  .openapi('SshCertificate');

export const CertificateAuthorities = z
  .object({
    x509_ca_certificate: z.string().openapi({
      description: 'The client CA certificate (PEM): what a TLS server trusts to verify client certificates.',
    }),
    ssh_ca_public_key: z.string().openapi({
      description:
        'The SSH user CA key (OpenSSH format) of the certificates clients present to the proxies. Not for an ' +
        'upstream sshd’s `TrustedUserCAKeys`: that would let members skip the proxies and their policies.',
      example: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… acme Border0 user CA',
    }),
    ssh_upstream_ca_public_key: z.string().openapi({
      description:
        'The CA key (OpenSSH format) of the short-lived certificates proxies present to upstream servers of ' +
        '`border0_certificate` ssh sockets: put it in their sshd’s `TrustedUserCAKeys`.',
      example: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… acme Border0 upstream CA',
    }),
    platform_ca_certificate: z.string().openapi({
      description:
        'The platform CA certificate (PEM): what clients verify the proxies’ server certificates with.',
    }),
  })
  .openapi('CertificateAuthorities');
