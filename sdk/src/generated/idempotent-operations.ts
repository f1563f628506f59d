// Generated from spec/openapi.yaml by `pnpm --filter @border0/sdk generate`. Do not edit.

import type { paths } from './api.js';

/** An operation the spec marks `x-idempotent: true`, and whether it takes an `Idempotency-Key`. */
export interface IdempotentOperation {
  operationId: string;
  /** The server de-duplicates it by `Idempotency-Key`: the client sends one, the same on every attempt. */
  idempotencyKey: boolean;
}

type Key = { [P in keyof paths]: `${Uppercase<Extract<keyof paths[P], string>>} ${P}` }[keyof paths];

/**
 * The operations, by `METHOD path`, that the spec marks safe to repeat besides GET, HEAD, PUT and DELETE:
 * creates the server de-duplicates by `Idempotency-Key`, and POSTs that change nothing. Any other POST is a
 * one-time action (a token refresh, an approval, a termination) that the client never retries.
 */
export const IDEMPOTENT_OPERATIONS: Readonly<Partial<Record<Key, IdempotentOperation>>> = {
  'POST /api/v1/access/check': { operationId: 'checkAccess', idempotencyKey: false },
  'POST /api/v1/client/certificates': { operationId: 'issueClientCertificate', idempotencyKey: true },
  'POST /api/v1/client/ssh-certificates': { operationId: 'issueSshCertificate', idempotencyKey: true },
  'POST /api/v1/connectors': { operationId: 'createConnector', idempotencyKey: true },
  'POST /api/v1/connectors/{connector}/tokens': { operationId: 'createConnectorToken', idempotencyKey: true },
  'POST /api/v1/groups': { operationId: 'createGroup', idempotencyKey: true },
  'POST /api/v1/groups/{group}/members': { operationId: 'addGroupMember', idempotencyKey: true },
  'POST /api/v1/identity-providers': { operationId: 'createIdentityProvider', idempotencyKey: true },
  'POST /api/v1/invitations': { operationId: 'createInvitation', idempotencyKey: true },
  'POST /api/v1/members': { operationId: 'addMember', idempotencyKey: true },
  'POST /api/v1/organizations': { operationId: 'createOrganization', idempotencyKey: true },
  'POST /api/v1/policies': { operationId: 'createPolicy', idempotencyKey: true },
  'POST /api/v1/policies/{policy}/sockets': { operationId: 'attachPolicySocket', idempotencyKey: true },
  'POST /api/v1/policies/{policy}/test': { operationId: 'testPolicy', idempotencyKey: false },
  'POST /api/v1/proxy/certificate': { operationId: 'issueProxyCertificate', idempotencyKey: true },
  'POST /api/v1/proxy/connectors/authenticate': { operationId: 'authenticateConnector', idempotencyKey: false },
  'POST /api/v1/proxy/http-identity': { operationId: 'identifyHttpRequest', idempotencyKey: false },
  'POST /api/v1/proxy/sessions': { operationId: 'createProxySession', idempotencyKey: true },
  'POST /api/v1/proxy/sessions/{session_id}/events': { operationId: 'addProxySessionEvent', idempotencyKey: true },
  'POST /api/v1/proxy/sessions/{session_id}/recordings': { operationId: 'createProxyRecording', idempotencyKey: true },
  'POST /api/v1/service-accounts': { operationId: 'createServiceAccount', idempotencyKey: true },
  'POST /api/v1/service-accounts/{service_account}/tokens': { operationId: 'createServiceAccountToken', idempotencyKey: true },
  'POST /api/v1/service-accounts/{service_account}/web-identities': { operationId: 'createServiceAccountWebIdentity', idempotencyKey: true },
  'POST /api/v1/sockets': { operationId: 'createSocket', idempotencyKey: true },
  'POST /api/v1/tokens': { operationId: 'createToken', idempotencyKey: true },
};
