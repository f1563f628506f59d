/**
 * /api/v1/client: short-lived certificates for the caller (an X.509 client certificate for mTLS to the
 * proxies, an OpenSSH user certificate) and the organization's CAs that verifiers trust. Every issuance is
 * audited with its serial and expiry, never the certificate itself.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { findOrganization } from '../organizations/organization-store.js';
import { authorize } from '../platform/auth/authorize.js';
import {
  errors,
  IDEMPOTENT,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
} from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { createIdempotent } from '../platform/http/mutation.js';
import { notFound } from '../platform/http/problem.js';
import type { Services } from '../services.js';
import {
  organizationSshAuthority,
  organizationTrustAnchors,
  organizationX509Authority,
  platformX509Authority,
} from './authority-store.js';
import { loadRequester } from './certificate-identity.js';
import { parseCertificateRequest } from './certificate-request.js';
import {
  CertificateAuthorities,
  ClientCertificate,
  ClientCertificateRequest,
  SshCertificate,
  SshCertificateRequest,
} from './certificate-schemas.js';
import { signUserCertificate } from './ssh-authority.js';
import { parseSshPublicKey } from './ssh-public-key.js';
import { validityWindow } from './validity-window.js';
import { signClientCertificate } from './x509-authority.js';

const tags = ['Certificates'];
const issueErrors = errors(400, 401, 403, 413, 415, 422);

const issueClientCertificate = createRoute({
  method: 'post',
  path: '/client/certificates',
  operationId: 'issueClientCertificate',
  summary: 'Get a client certificate (mTLS)',
  description:
    'Signs the request’s key with the organization’s client CA for the caller: a person’s or a service ' +
    'account’s token. Valid for at most one hour, for TLS client authentication only.',
  tags,
  ...IDEMPOTENT,
  request: {
    headers: IdempotencyHeaders,
    body: jsonBody(ClientCertificateRequest, {
      csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIBDzCBtgIBADAUMRIwEAYDVQQDDAlhbGljZUBhY21lMFkw…\n-----END CERTIFICATE REQUEST-----\n',
      ttl_seconds: 3600,
    }),
  },
  responses: { 201: jsonResponse(ClientCertificate, 'The certificate and its CA.'), ...issueErrors },
});

const issueSshCertificate = createRoute({
  method: 'post',
  path: '/client/ssh-certificates',
  operationId: 'issueSshCertificate',
  summary: 'Get an SSH user certificate',
  description:
    'Signs the public key with the organization’s SSH user CA for the caller: a person’s or a service ' +
    'account’s token. Valid for at most one hour.',
  tags,
  ...IDEMPOTENT,
  request: {
    headers: IdempotencyHeaders,
    body: jsonBody(SshCertificateRequest, {
      public_key:
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop',
      ttl_seconds: 3600,
    }),
  },
  responses: { 201: jsonResponse(SshCertificate, 'The certificate and the CA key.'), ...issueErrors },
});

const getCertificateAuthorities = createRoute({
  method: 'get',
  path: '/client/ca',
  operationId: 'getCertificateAuthorities',
  summary: 'Get the organization’s certificate authorities',
  description:
    'The public parts only: the CA of client certificates, the CA of the SSH certificates clients present ' +
    'to the proxies, and the platform CA that signs the proxies’ certificates. Readable with any token of the ' +
    'organization, a connector’s included.',
  tags,
  responses: {
    200: jsonResponse(CertificateAuthorities, 'The CA certificate and key.'),
    ...errors(401, 403),
  },
});

export function clientCertificateRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const { db, secrets } = services;

  app.openapi(issueClientCertificate, async (c) => {
    const principal = authorize(c, 'certificates:issue');
    const body = c.req.valid('json');
    // Checked before the transaction: a bad request creates nothing, not even the CA.
    const request = await parseCertificateRequest(body.csr);
    const { status, body: issued } = await createIdempotent(
      c,
      services,
      'issueClientCertificate',
      body,
      async (trx, audit) => {
        const requester = await loadRequester(trx, principal);
        const org = { id: requester.orgId, name: requester.identity.orgName };
        const authority = await organizationX509Authority(trx, secrets, org);
        const validity = validityWindow(body.ttl_seconds, { notLaterThan: requester.tokenExpiresAt });
        const cert = await signClientCertificate(authority, request.publicKey, requester.identity, validity);
        await audit({
          action: 'certificate.issue',
          resource_type: 'certificate',
          resource_id: cert.serial,
          details: {
            kind: 'x509_client',
            serial: cert.serial,
            subject: cert.subject,
            key: request.keyDescription,
            not_after: cert.notAfter.toISOString(),
          },
        });
        const response = ClientCertificate.parse({
          certificate: cert.certificatePem,
          ca_certificate: cert.caCertificatePem,
          serial: cert.serial,
          subject: cert.subject,
          not_before: cert.notBefore.toISOString(),
          not_after: cert.notAfter.toISOString(),
        });
        return { status: 201, body: response };
      },
    );
    return c.json(ClientCertificate.parse(issued), status as 201);
  });

  app.openapi(issueSshCertificate, async (c) => {
    const principal = authorize(c, 'certificates:issue');
    const body = c.req.valid('json');
    const key = parseSshPublicKey(body.public_key);
    const { status, body: issued } = await createIdempotent(
      c,
      services,
      'issueSshCertificate',
      body,
      async (trx, audit) => {
        const requester = await loadRequester(trx, principal);
        const org = { id: requester.orgId, name: requester.identity.orgName };
        const authority = await organizationSshAuthority(trx, secrets, org);
        const validity = validityWindow(body.ttl_seconds, { notLaterThan: requester.tokenExpiresAt });
        const cert = signUserCertificate(authority, key, requester.identity, validity);
        await audit({
          action: 'certificate.issue',
          resource_type: 'certificate',
          resource_id: `ssh:${cert.serial}`,
          details: {
            kind: 'ssh_user',
            serial: cert.serial,
            key_id: cert.keyId,
            principals: cert.principals,
            key: key.description,
            not_after: cert.validBefore.toISOString(),
          },
        });
        const response = SshCertificate.parse({
          certificate: cert.certificateLine,
          ca_public_key: authority.publicKeyLine,
          key_id: cert.keyId,
          serial: cert.serial,
          principals: cert.principals,
          valid_after: cert.validAfter.toISOString(),
          valid_before: cert.validBefore.toISOString(),
        });
        return { status: 201, body: response };
      },
    );
    return c.json(SshCertificate.parse(issued), status as 201);
  });

  app.openapi(getCertificateAuthorities, async (c) => {
    const { orgId } = authorize(c, 'certificate_authorities:read', { connector: true });
    const org = await findOrganization(db, orgId);
    if (!org) throw notFound('organization');
    const anchors = await organizationTrustAnchors(db, secrets, org);
    const platform = await platformX509Authority(db, secrets);
    return c.json(
      CertificateAuthorities.parse({
        x509_ca_certificate: anchors.x509CaCertificate,
        ssh_ca_public_key: anchors.sshCaPublicKey,
        ssh_upstream_ca_public_key: anchors.sshUpstreamCaPublicKey,
        platform_ca_certificate: platform.certificate.toString('pem'),
      }),
      200,
    );
  });

  return app;
}
