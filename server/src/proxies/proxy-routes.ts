/**
 * /api/v1/proxy: what the data plane's proxies ask of the control plane, with a proxy token only. Proxies
 * serve every organization: they register, resolve dnsnames to sockets, cache each organization's policy
 * data and the CAs to trust, get their server certificate, and check the tokens connectors present.
 */
import { createRoute, OpenAPIHono, type z } from '@hono/zod-openapi';
import { organizationTrustAnchors, platformX509Authority } from '../certificates/authority-store.js';
import { signProxyCertificate } from '../certificates/platform-authority.js';
import { connectorSockets, findConnectorWithOrg, touchConnector } from '../connectors/connector-store.js';
import { findOrganization, listAllOrganizations } from '../organizations/organization-store.js';
import { findPrincipal } from '../platform/auth/authenticate.js';
import { authorizeProxy } from '../platform/auth/authorize.js';
import {
  errors,
  IDEMPOTENT,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
} from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { createIdempotent } from '../platform/http/mutation.js';
import { ApiError, notFound } from '../platform/http/problem.js';
import { loadPolicyData } from '../policies/policy-data-store.js';
import type { Services } from '../services.js';
import { sessionLeaseMs } from '../sessions/session-lease-store.js';
import { findSocketByDnsname, socketToApi } from '../sockets/socket-store.js';
import {
  ConnectorAuthentication,
  ConnectorAuthenticationRequest,
  DnsnameParams,
  OrganizationIdParams,
  PolicyData,
  ProxyCertificate,
  ProxyCertificateRequest,
  ProxyRegistered,
  ProxyRegistration,
  ProxySocketLookup,
  ProxyTrust,
} from './proxy-schemas.js';
import { PROXY_HEARTBEAT_SECONDS, registerProxy } from './proxy-store.js';

export const PROXY_TAG = 'Proxy';
const tags = [PROXY_TAG];
const writeErrors = errors(400, 401, 403, 413, 415);

const registerProxyRoute = createRoute({
  tags,
  method: 'post',
  path: '/proxy/register',
  operationId: 'registerProxy',
  summary: 'Register a proxy, or renew its registration',
  description:
    'An upsert by name. Call it every `heartbeat_interval_seconds` (by default ' +
    `${PROXY_HEARTBEAT_SECONDS} s; \`BORDER0_PROXY_HEARTBEAT_SECONDS\` of the server), and re-assert the live ` +
    'sessions carried with `POST /proxy/sessions/live`: connectors are offered the proxies registered in the ' +
    'last 60 s, and live sessions unheard of for `session_lease_seconds` are ended.',
  request: {
    body: jsonBody(ProxyRegistration, {
      name: 'eu-1',
      public_address: 'proxy-1.example.net:8443',
      region: 'eu-west',
      version: '0.1.0',
    }),
  },
  responses: { 200: jsonResponse(ProxyRegistered, 'The registration.'), ...writeErrors },
});
const getProxySocket = createRoute({
  tags,
  method: 'get',
  path: '/proxy/sockets/{dnsname}',
  operationId: 'getProxySocket',
  summary: 'Find the socket of a dnsname (the SNI of a connection)',
  request: { params: DnsnameParams },
  responses: {
    200: jsonResponse(ProxySocketLookup, 'The socket and its organization.'),
    ...errors(400, 401, 403, 404),
  },
});
const getPolicyData = createRoute({
  tags,
  method: 'get',
  path: '/proxy/organizations/{organization_id}/policy-data',
  operationId: 'getPolicyData',
  summary: 'Get an organization’s policy data, to decide locally',
  description: 'Fetch again on a `policy-data` event of `GET /proxy/events`, or when `version` may be stale.',
  request: { params: OrganizationIdParams },
  responses: { 200: jsonResponse(PolicyData, 'The policy data.'), ...errors(400, 401, 403, 404) },
});
const getProxyTrust = createRoute({
  tags,
  method: 'get',
  path: '/proxy/trust',
  operationId: 'getProxyTrust',
  summary: 'Get the CAs of every organization and the platform CA',
  description: 'Fetch again on a `trust` event of `GET /proxy/events` (a new organization).',
  responses: { 200: jsonResponse(ProxyTrust, 'The CA certificates.'), ...errors(401, 403) },
});
const issueProxyCertificate = createRoute({
  tags,
  method: 'post',
  path: '/proxy/certificate',
  operationId: 'issueProxyCertificate',
  summary: 'Get the proxies’ server certificate',
  description:
    'Signs the request’s key with the platform CA for `*.<base domain>` and `<base domain>`, valid 90 days.',
  ...IDEMPOTENT,
  request: {
    headers: IdempotencyHeaders,
    body: jsonBody(ProxyCertificateRequest, {
      csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIBDzCBtgIBADAUMRIwEAYDVQQDDAlwcm94eS1ldS0x…\n-----END CERTIFICATE REQUEST-----\n',
    }),
  },
  responses: { 201: jsonResponse(ProxyCertificate, 'The certificate.'), ...writeErrors, ...errors(422) },
});
const authenticateConnector = createRoute({
  tags,
  method: 'post',
  path: '/proxy/connectors/authenticate',
  operationId: 'authenticateConnector',
  summary: 'Check the token a connector presents in its tunnel',
  description:
    'Answers the connector and the sockets it serves, and records that it was seen; 401 when the ' +
    'token is unknown, revoked or expired, or is not a connector’s.',
  // Changes nothing but the connector's last-seen time: safe to repeat.
  ...IDEMPOTENT,
  request: { body: jsonBody(ConnectorAuthenticationRequest, { token: 'b0c_5tG8kL2mQ9xV3pR7yN1cZ4' }) },
  responses: { 200: jsonResponse(ConnectorAuthentication, 'The connector.'), ...writeErrors },
});

const PROXIES_CHANGED = { type: 'proxies' } as const;

export function proxyRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const { db, secrets, baseDomain } = services;
  const heartbeatSeconds = services.proxyHeartbeatSeconds ?? PROXY_HEARTBEAT_SECONDS;

  app.openapi(registerProxyRoute, async (c) => {
    authorizeProxy(c);
    const registration = c.req.valid('json');
    const row = await db.transaction().execute(async (trx) => {
      const { row, appeared } = await registerProxy(trx, registration);
      if (appeared) await services.events.stage(trx, [PROXIES_CHANGED]);
      return { ...row, appeared };
    });
    if (row.appeared) services.events.committed([PROXIES_CHANGED]);
    return c.json(
      ProxyRegistered.parse({
        id: row.id,
        name: row.name,
        heartbeat_interval_seconds: heartbeatSeconds,
        session_lease_seconds: sessionLeaseMs(heartbeatSeconds) / 1000,
      }),
      200,
    );
  });

  app.openapi(getProxySocket, async (c) => {
    authorizeProxy(c);
    const { dnsname } = c.req.valid('param');
    const row = await findSocketByDnsname(db, dnsname, baseDomain);
    if (!row) throw notFound(`socket ${dnsname}`);
    return c.json(
      ProxySocketLookup.parse({
        socket: socketToApi(row, baseDomain),
        organization: { id: row.org_id, name: row.org_name },
      }),
      200,
    );
  });

  app.openapi(getPolicyData, async (c) => {
    authorizeProxy(c);
    const { organization_id } = c.req.valid('param');
    const org = await findOrganization(db, organization_id);
    if (!org) throw notFound(`organization ${organization_id}`);
    return c.json(PolicyData.parse(await loadPolicyData(db, org.id)), 200);
  });

  app.openapi(getProxyTrust, async (c) => {
    authorizeProxy(c);
    const orgs = await listAllOrganizations(db);
    const clientCas = [];
    for (const org of orgs) {
      const anchors = await organizationTrustAnchors(db, secrets, org);
      clientCas.push({
        organization_id: org.id,
        organization_name: org.name,
        certificate: anchors.x509CaCertificate,
        ssh_ca_public_key: anchors.sshCaPublicKey,
      });
    }
    const platform = await platformX509Authority(db, secrets);
    return c.json(
      ProxyTrust.parse({ client_cas: clientCas, platform_ca: platform.certificate.toString('pem') }),
      200,
    );
  });

  app.openapi(issueProxyCertificate, async (c) => {
    const principal = authorizeProxy(c);
    const body = c.req.valid('json');
    // Platform-level: keys are scoped to the proxy's token (its organization is none, '').
    const { status, body: certificate } = await createIdempotent(
      c,
      services,
      'issueProxyCertificate',
      body,
      async (trx) => {
        const issued = await signProxyCertificate(trx, secrets, { csr: body.csr, baseDomain });
        // No organization's audit log is the place; the log keeps the record.
        c.get('logger').info(
          { actor: principal.actor, serial: issued.serial, not_after: issued.notAfter },
          'issued a proxy certificate',
        );
        return {
          status: 201,
          body: ProxyCertificate.parse({
            certificate: issued.certificatePem,
            ca_certificate: issued.caCertificatePem,
            not_after: issued.notAfter.toISOString(),
          }),
        };
      },
    );
    return c.json(certificate as z.infer<typeof ProxyCertificate>, status as 201);
  });

  app.openapi(authenticateConnector, async (c) => {
    authorizeProxy(c);
    const presented = await findPrincipal(services, c.req.valid('json').token);
    const connector =
      presented?.kind === 'connector' && presented.connectorId
        ? await findConnectorWithOrg(db, presented.connectorId)
        : undefined;
    if (!connector)
      throw new ApiError('unauthenticated', 'the connector token is unknown, revoked or expired');
    await touchConnector(db, connector.id);
    const sockets = await connectorSockets(db, connector.org_id, connector.id);
    return c.json(
      ConnectorAuthentication.parse({
        connector: {
          id: connector.id,
          name: connector.name,
          organization_id: connector.org_id,
          organization_name: connector.org_name,
        },
        token_id: presented!.tokenId,
        sockets: sockets.map((s) => ({
          id: s.id,
          dnsname: socketToApi(s, baseDomain).dnsname,
          socket_type: s.socket_type,
        })),
      }),
      200,
    );
  });

  return app;
}
