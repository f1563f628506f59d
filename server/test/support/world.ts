/**
 * A small organization with one of every resource, built through the SDK, and one valid request for every
 * operation of the spec: the contract test, the tenancy matrix and the body fuzz all start from these.
 */
import { createHash } from 'node:crypto';
import type { Border0Client } from '@border0/sdk';
import { sql } from 'kysely';
import type { Store } from '../../src/platform/db/database.js';
import { totpCode } from '../../src/web-login/totp.js';
import { createCsr, createSshKey } from './client-keys.js';

export interface World {
  orgId: string;
  orgName: string;
  socketId: string;
  socketName: string;
  policyId: string;
  groupId: string;
  /** An OIDC identity provider of the organization (with a client secret). */
  identityProviderId: string;
  memberEmail: string;
  /** A pending invitation of the organization. */
  invitationId: string;
  serviceAccountId: string;
  serviceAccountTokenId: string;
  /** A web identity the service account trusts (an issuer that is never reached). */
  webIdentityId: string;
  /**
   * A CI issuer's URL, and a token of its job `world-job` for audience `WORLD_AUDIENCE` (set by the contract
   * test, which runs such an issuer); unknown otherwise, when `exchangeWebIdentityToken` is refused.
   */
  webIdentityIssuer?: string;
  webIdentityToken?: string;
  adminTokenId: string;
  connectorId: string;
  connectorTokenId: string;
  /** The connector's token itself, for the connector's own operations. */
  connectorToken: string;
  sessionId: string;
  /** An ssh socket (password login) and a live session of the member on it, as a proxy reported it. */
  sshSocketId: string;
  sshSessionId: string;
  /** A live session of a PostgreSQL socket, opened by the world's proxy. */
  databaseSessionId: string;
  /** A recording of the session, started by the proxy, with its first chunk stored. */
  recordingId: string;
  /** A client's PKCS#10 request (ECDSA P-256) and OpenSSH public key, for the certificate operations. */
  csrPem: string;
  sshPublicKey: string;
  /** A device login's code approved by the owner (set by the contract test); unknown otherwise. */
  deviceCode?: string;
  /** The code of another organization's invitation of the owner (set by the contract test); unknown otherwise. */
  invitationCode?: string;
  /** An HTTP socket's host, and the service account's token (for `identifyHttpRequest`). */
  httpHost: string;
  serviceAccountToken: string;
  /** A login code for `httpHost` from the owner's browser login (set by the contract test); unknown otherwise. */
  webLoginCode?: string;
  /** The ssh socket's host, and the ticket `openWebTerminal` answered (set by the contract test) for it. */
  sshHost: string;
  webTerminal?: { ticket: string; proxy: string };
  /** The secret `startTotpEnrolment` answered (set by the contract test), for `confirmTotpEnrolment`'s code. */
  totpSecret?: string;
}

/** `proxy` is a client with the proxy token: the data plane records what the world's session shows. */
export async function buildWorld(b0: Border0Client, tag: string, proxy: Border0Client): Promise<World> {
  const org = await b0.get('/api/v1/organizations/{organization}', {
    params: { path: { organization: 'current' } },
  });
  const connector = await b0.post('/api/v1/connectors', { body: { name: `dc-${tag}` } });
  const socket = await b0.post('/api/v1/sockets', {
    body: {
      name: `db-${tag}`,
      socket_type: 'database',
      tags: { env: 'prod' },
      connector_ids: [connector.id],
      upstream_configuration: {
        type: 'database',
        protocol: 'postgres',
        hostname: '127.0.0.1',
        port: 5432,
        authentication_type: 'username_and_password',
        username: 'app',
        password: `secret-${tag}`,
        database: 'app',
      },
    },
  });
  const member = await b0.post('/api/v1/members', {
    body: { email: `alice-${tag}@acme.dev`, role: 'member' },
  });
  const invitation = await b0.post('/api/v1/invitations', {
    body: { email: `dora-${tag}@acme.dev`, role: 'client' },
  });
  const group = await b0.post('/api/v1/groups', { body: { name: `eng-${tag}` } });
  const identityProvider = await b0.post('/api/v1/identity-providers', {
    body: {
      name: `sso-${tag}`,
      issuer: `https://sso-${tag}.example.com`,
      client_id: `border0-${tag}`,
      client_secret: `idp-secret-${tag}`,
    },
  });
  const policy = await b0.post('/api/v1/policies', {
    body: {
      name: `eng-db-${tag}`,
      document: {
        permissions: {
          database: { allowed_databases: [{ database: 'app', allowed_query_types: ['read_only'] }] },
        },
        condition: { who: { email: [member.email], group: [group.id] } },
      },
      tag_rules: [{ env: 'prod' }],
    },
  });
  const account = await b0.post('/api/v1/service-accounts', {
    body: { name: `ci-${tag}`, role: 'read_only' },
  });
  const accountToken = await b0.post('/api/v1/service-accounts/{service_account}/tokens', {
    params: { path: { service_account: account.id } },
    body: { name: 'ci' },
  });
  const webIdentity = await b0.post('/api/v1/service-accounts/{service_account}/web-identities', {
    params: { path: { service_account: account.id } },
    body: {
      name: 'github',
      issuer: 'https://ci.example.com',
      audience: WORLD_AUDIENCE,
      subject: 'repo:acme/*',
    },
  });
  const adminToken = await b0.post('/api/v1/tokens', { body: { name: `automation-${tag}`, role: 'admin' } });
  const connectorToken = await b0.post('/api/v1/connectors/{connector}/tokens', {
    params: { path: { connector: connector.id } },
    body: { name: 'dc' },
  });
  const sshSocket = await b0.post('/api/v1/sockets', {
    body: {
      name: `ssh-${tag}`,
      socket_type: 'ssh',
      upstream_configuration: {
        type: 'ssh',
        hostname: '127.0.0.1',
        port: 22,
        authentication_type: 'username_and_password',
        username: 'app',
        password: `ssh-secret-${tag}`,
      },
    },
  });
  // A live proxy, and anyone may open a shell on the ssh socket: what `openWebTerminal` needs.
  await proxy.post('/api/v1/proxy/register', {
    body: { name: `proxy-${tag}`, public_address: '127.0.0.1:8443', version: '0.1.0' },
  });
  await b0.post('/api/v1/policies', {
    body: {
      name: `shell-${tag}`,
      sockets: [sshSocket.id],
      document: { permissions: { ssh: { shell: {} } }, condition: {} },
    },
  });
  const sshSession = await proxy.post('/api/v1/proxy/sessions', {
    body: { socket_id: sshSocket.id, user_email: member.email, result: 'allowed' },
  });
  const databaseSocket = await b0.post('/api/v1/sockets', {
    body: {
      name: `pg-${tag}`,
      socket_type: 'database',
      upstream_configuration: {
        type: 'database',
        protocol: 'postgres',
        hostname: '127.0.0.1',
        port: 5432,
        authentication_type: 'username_and_password',
        username: 'app',
        password: `pg-secret-${tag}`,
      },
    },
  });
  const databaseSession = await proxy.post('/api/v1/proxy/sessions', {
    body: { socket_id: databaseSocket.id, user_email: member.email, result: 'allowed' },
  });
  const session = await proxy.post('/api/v1/proxy/sessions', {
    body: {
      socket_id: socket.id,
      user_email: member.email,
      client_ip: '203.0.113.7',
      client_port: 50000,
      result: 'allowed',
    },
  });
  const recording = await proxy.post('/api/v1/proxy/sessions/{session_id}/recordings', {
    params: { path: { session_id: session.id } },
    body: { format: 'asciicast-v2' },
  });
  await proxy.put('/api/v1/proxy/sessions/{session_id}/recordings/{recording_id}/chunks/{seq}', {
    params: { path: { session_id: session.id, recording_id: recording.id, seq: 0 } },
    body: CHUNKS[0]!,
    ...binaryBody,
  });
  const httpSocket = await b0.post('/api/v1/sockets', {
    body: {
      name: `web-${tag}`,
      socket_type: 'http',
      upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 8080 },
    },
  });
  // The organization's CAs exist from here on, as they would after its first client login.
  await b0.get('/api/v1/client/ca');
  return {
    orgId: org.id,
    orgName: org.name,
    socketId: socket.id,
    socketName: socket.name,
    policyId: policy.id,
    groupId: group.id,
    identityProviderId: identityProvider.id,
    memberEmail: member.email,
    invitationId: invitation.id,
    serviceAccountId: account.id,
    serviceAccountTokenId: accountToken.id,
    webIdentityId: webIdentity.id,
    adminTokenId: adminToken.id,
    connectorId: connector.id,
    connectorTokenId: connectorToken.id,
    connectorToken: connectorToken.token,
    sessionId: session.id,
    sshSocketId: sshSocket.id,
    sshSessionId: sshSession.id,
    databaseSessionId: databaseSession.id,
    recordingId: recording.id,
    csrPem: (await createCsr()).csrPem,
    sshPublicKey: createSshKey().publicKeyLine,
    httpHost: httpSocket.dnsname,
    sshHost: sshSocket.dnsname,
    serviceAccountToken: accountToken.token,
  };
}

export interface OperationRequest {
  path?: Record<string, string>;
  query?: Record<string, string>;
  /** JSON, or bytes for an `application/octet-stream` body (recording chunks). */
  body?: unknown;
}

/** What the SDK needs to send bytes as they are: openapi-fetch serializes bodies to JSON by default. */
export const binaryBody = {
  bodySerializer: (body: unknown) => body,
  headers: { 'content-type': 'application/octet-stream' },
};

/** The body of `request` for `Harness.request`: JSON, or bytes with their media type. */
export function bodyInit(body: unknown): {
  json?: unknown;
  body?: Uint8Array;
  headers?: Record<string, string>;
} {
  if (body === undefined) return {};
  return body instanceof Uint8Array ? { body, headers: binaryBody.headers } : { json: body };
}

/** The world's recording as the proxy writes it: a header line, then an event per chunk. */
const CHUNKS = ['{"version":2,"width":80,"height":24}\n', '[0.25,"o","$ "]\n'].map((line) =>
  new TextEncoder().encode(line),
);

/** "May the member read the app database from 203.0.113.7?": what access checks ask in these suites. */
const accessQuestion = (w: World) => ({
  socket: w.socketName,
  identity: { email: w.memberEmail },
  action: { type: 'database', database: 'app', query_type: 'read_only' },
  ip: '203.0.113.7',
});

/**
 * The password the world's requests set and change to. `changeMyPassword` names it as the current one too,
 * so that it succeeds for a person whose password it already is (or who has none yet) and is refused for others.
 */
export const WORLD_PASSWORD = 'correct horse battery staple';

/** The audience of the world's web identities. */
export const WORLD_AUDIENCE = 'https://border0.test';

let counter = 0;
const fresh = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

/**
 * One valid request per operation against `w`. Deletes come last, children before parents, so that running
 * them in this order through a live server succeeds throughout.
 */
export function validRequests(w: World): [operationId: string, request: OperationRequest][] {
  const socket = { socket: w.socketId };
  const policy = { policy: w.policyId };
  const group = { group: w.groupId };
  const identityProvider = { identity_provider: w.identityProviderId };
  const account = { service_account: w.serviceAccountId };
  const connector = { connector: w.connectorId };
  const session = { session_id: w.sessionId };
  const recording = { ...session, recording_id: w.recordingId };
  return [
    ['listOrganizations', {}],
    ['createOrganization', { body: { name: fresh('org') } }],
    ['getOrganization', { path: { organization: w.orgId } }],
    ['getOrganizationJwks', { path: { organization: w.orgId } }],
    ['updateOrganization', { path: { organization: w.orgId }, body: { display_name: 'Acme Inc.' } }],
    ['listMembers', { query: { role: 'member' } }],
    ['addMember', { body: { email: `${fresh('bob')}@acme.dev`, role: 'client' } }],
    ['getMember', { path: { member: w.memberEmail } }],
    ['updateMember', { path: { member: w.memberEmail }, body: { role: 'read_only' } }],
    ['listInvitations', {}],
    ['createInvitation', { body: { email: `${fresh('eve')}@acme.dev`, role: 'member' } }],
    ['acceptInvitation', { body: { code: w.invitationCode ?? 'b0i_not-an-invitation' } }],
    ['startDeviceLogin', { body: {} }],
    [
      'requestDeviceToken',
      {
        body: {
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          device_code: w.deviceCode ?? 'not-a-device-code',
        },
      },
    ],
    ['revokeLogin', { body: { token: 'b0r_not-a-login' } }],
    ['setMemberPassword', { path: { member: w.memberEmail }, body: { password: WORLD_PASSWORD } }],
    ['changeMyPassword', { body: { current_password: WORLD_PASSWORD, password: WORLD_PASSWORD } }],
    ['startTotpEnrolment', { body: { password: WORLD_PASSWORD } }],
    // The code is read when the body is sent: the secret is known only once the enrolment has started.
    [
      'confirmTotpEnrolment',
      {
        body: {
          get code() {
            return w.totpSecret ? totpCode(w.totpSecret) : '000000';
          },
        },
      },
    ],
    ['removeTotp', { body: { password: WORLD_PASSWORD } }],
    ['listGroups', {}],
    ['createGroup', { body: { name: fresh('ops') } }],
    ['getGroup', { path: group }],
    ['updateGroup', { path: group, body: { description: 'Engineering' } }],
    ['addGroupMember', { path: group, body: { email: w.memberEmail } }],
    ['listIdentityProviders', {}],
    [
      'createIdentityProvider',
      { body: { name: fresh('sso'), issuer: 'https://sso.example.com', client_id: 'border0' } },
    ],
    ['getIdentityProvider', { path: identityProvider }],
    ['updateIdentityProvider', { path: identityProvider, body: { display_name: 'Acme SSO' } }],
    ['listServiceAccounts', {}],
    ['createServiceAccount', { body: { name: fresh('bot'), role: 'client' } }],
    ['getServiceAccount', { path: account }],
    ['updateServiceAccount', { path: account, body: { description: 'CI pipelines' } }],
    ['listServiceAccountTokens', { path: account }],
    ['createServiceAccountToken', { path: account, body: { name: 'deploy' } }],
    ['listServiceAccountWebIdentities', { path: account }],
    [
      'createServiceAccountWebIdentity',
      {
        path: account,
        body: {
          name: fresh('ci'),
          issuer: w.webIdentityIssuer ?? 'https://ci.example.com',
          audience: WORLD_AUDIENCE,
          subject: 'world-job',
          claims: { repository: 'acme/app' },
        },
      },
    ],
    [
      'exchangeWebIdentityToken',
      {
        body: {
          organization: w.orgName,
          service_account: w.serviceAccountId,
          token: w.webIdentityToken ?? 'not-a-web-identity-token',
        },
      },
    ],
    ['listTokens', {}],
    ['createToken', { body: { name: fresh('script'), role: 'read_only' } }],
    ['listSockets', { query: { socket_type: 'database', tag: 'env:prod' } }],
    ['listMySockets', {}],
    [
      'createSocket',
      {
        body: {
          name: fresh('cache'),
          socket_type: 'tls',
          upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
        },
      },
    ],
    ['getSocket', { path: socket }],
    ['clearSocketSshHostKey', { path: { socket: w.sshSocketId } }],
    [
      'updateSocket',
      { path: socket, body: { description: 'The app database', tags: { env: 'prod', team: 'web' } } },
    ],
    ['listPolicies', { query: { socket: w.socketName } }],
    [
      'createPolicy',
      {
        body: { name: fresh('web'), document: { permissions: { http: {} }, condition: {} }, org_wide: true },
      },
    ],
    ['getPolicy', { path: policy }],
    ['updatePolicy', { path: policy, body: { description: 'Engineers read the app database' } }],
    ['attachPolicySocket', { path: policy, body: { socket: w.socketName } }],
    ['checkAccess', { body: accessQuestion(w) }],
    ['testPolicy', { path: policy, body: accessQuestion(w) }],
    ['listEffectivePolicies', { path: socket }],
    ['listConnectors', {}],
    ['createConnector', { body: { name: fresh('edge') } }],
    ['getConnector', { path: connector }],
    ['updateConnector', { path: connector, body: { description: 'Amsterdam' } }],
    ['listConnectorTokens', { path: connector }],
    ['createConnectorToken', { path: connector, body: { name: 'rotate' } }],
    ['listSessions', { query: { socket: w.socketId, live: 'true' } }],
    ['getSession', { path: session }],
    ['listSessionEvents', { path: session }],
    ['listSessionRecordings', { path: session }],
    ['getSessionRecording', { path: recording }],
    ['terminateSession', { path: session }],
    ...proxyRequests(w),
    // After registerProxy: the ticket names a live proxy.
    ['openWebTerminal', { path: { socket: w.sshSocketId } }],
    [
      'redeemWebTerminalTicket',
      {
        body: {
          host: w.sshHost,
          get proxy() {
            return w.webTerminal?.proxy ?? 'no-proxy';
          },
          get ticket() {
            return w.webTerminal?.ticket ?? 'not-a-ticket';
          },
        },
      },
    ],
    ...connectorRequests(w),
    ['getCertificateAuthorities', {}],
    ['listClientProxies', { query: { region: 'eu' } }],
    ['issueClientCertificate', { body: { csr: w.csrPem, ttl_seconds: 3600 } }],
    ['issueSshCertificate', { body: { public_key: w.sshPublicKey, ttl_seconds: 3600 } }],
    ['listAuditEntries', { query: { resource_type: 'socket' } }],
    ['removeGroupMember', { path: { ...group, member: w.memberEmail } }],
    ['detachPolicySocket', { path: { ...policy, ...socket } }],
    ['deleteServiceAccountToken', { path: { ...account, token_id: w.serviceAccountTokenId } }],
    ['deleteServiceAccountWebIdentity', { path: { ...account, web_identity: w.webIdentityId } }],
    ['deleteConnectorToken', { path: { ...connector, token_id: w.connectorTokenId } }],
    ['deleteToken', { path: { token_id: w.adminTokenId } }],
    ['revokeInvitation', { path: { invitation_id: w.invitationId } }],
    ['removeMember', { path: { member: w.memberEmail } }],
    ['deleteGroup', { path: group }],
    ['deleteIdentityProvider', { path: identityProvider }],
    ['deleteServiceAccount', { path: account }],
    ['deletePolicy', { path: policy }],
    ['deleteSocket', { path: socket }],
    ['deleteConnector', { path: connector }],
    // Last: it ends the owner's browser login, which the proxy's `createWebSession` trades a code of.
    ['logoutEverywhere', {}],
  ];
}

/** The proxies' operations: a proxy token serves every organization, these name `w`'s resources. */
function proxyRequests(w: World): [string, OperationRequest][] {
  return [
    [
      'registerProxy',
      { body: { name: fresh('proxy'), public_address: '127.0.0.1:8443', region: 'local', version: '0.1.0' } },
    ],
    ['getProxySocket', { path: { dnsname: `${w.socketName}-${w.orgName}.localhost` } }],
    ['getPolicyData', { path: { organization_id: w.orgId } }],
    ['getProxyTrust', {}],
    ['issueProxyCertificate', { body: { csr: w.csrPem } }],
    ['authenticateConnector', { body: { token: w.connectorToken } }],
    [
      'createProxySession',
      {
        body: {
          socket_id: w.socketId,
          user_email: w.memberEmail,
          client_ip: '203.0.113.8',
          client_port: 50001,
          country: 'NL',
          result: 'allowed',
        },
      },
    ],
    ['updateProxySession', { path: { session_id: w.sessionId }, body: { bytes_in: 2048, bytes_out: 8192 } }],
    ['renewProxySessions', { body: { session_ids: [w.sessionId, w.sshSessionId] } }],
    ['createProxyRecording', { path: { session_id: w.sessionId }, body: { format: 'asciicast-v2' } }],
    [
      'putProxyRecordingChunk',
      { path: { session_id: w.sessionId, recording_id: w.recordingId, seq: '1' }, body: CHUNKS[1] },
    ],
    ['endProxyRecording', { path: { session_id: w.sessionId, recording_id: w.recordingId } }],
    [
      'addProxySessionEvent',
      { path: { session_id: w.sessionId }, body: { type: 'ssh.exec', data: { command: 'uptime' } } },
    ],
    ['getSshUpstreamCredentials', { path: { session_id: w.sshSessionId }, body: {} }],
    ['verifySshHostKey', { path: { session_id: w.sshSessionId }, body: { host_key: w.sshPublicKey } }],
    ['getDatabaseUpstreamCredentials', { path: { session_id: w.databaseSessionId } }],
    ['identifyHttpRequest', { body: { host: w.httpHost, bearer_token: w.serviceAccountToken } }],
    ['createWebSession', { body: { host: w.httpHost, code: w.webLoginCode ?? 'b0x_not-a-code' } }],
    ['streamProxyEvents', {}],
  ];
}

/** A connector's own operations, with `w`'s connector token. */
function connectorRequests(_w: World): [string, OperationRequest][] {
  // Declared, then deleted: in this order each succeeds (asked the other way round, the delete finds nothing).
  const declared = fresh('static');
  return [
    ['getConnectorConfig', {}],
    ['streamConnectorEvents', {}],
    ['reportConnectorHeartbeat', { body: { version: '0.1.0', proxies_connected: [] } }],
    ['listConnectorSockets', {}],
    [
      'putConnectorSocket',
      {
        path: { name: declared },
        body: {
          socket_type: 'tls',
          upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6380 },
          tags: { source: 'connector' },
        },
      },
    ],
    ['deleteConnectorSocket', { path: { name: declared } }],
  ];
}

const TABLES = [
  'organizations',
  'users',
  'memberships',
  'groups',
  'group_members',
  'service_accounts',
  'service_account_web_identities',
  'tokens',
  'sockets',
  'policies',
  'policy_sockets',
  'connectors',
  'sessions',
  'session_events',
  'recordings',
  'recording_chunks',
  'audit_entries',
  'idempotency_keys',
  'certificate_authorities',
  'proxies',
  'proxy_tokens',
  'device_authorizations',
  'login_sessions',
  'web_login_codes',
  'web_sessions',
  'user_totp',
  'identity_signing_keys',
  'identity_providers',
  'oidc_login_states',
] as const;

/**
 * A digest of everything the store holds, to prove a rejected request changed nothing. A token's last use
 * (a proxy token's too) is left out: it is recorded on authentication, before a request is judged; so are
 * audited refusals (`*.refuse`), which a refused request writes by design.
 */
export async function storeDigest(db: Store): Promise<string> {
  const hash = createHash('sha256');
  for (const table of TABLES) {
    const { rows } = await sql<
      Record<string, unknown>
    >`select * from ${sql.table(table)} order by 1, 2`.execute(db);
    for (const row of rows) {
      if (table === 'tokens' || table === 'proxy_tokens') delete row.last_used_at;
      // A refusal the audit log records on purpose (why a web identity token was refused) is no change of state.
      if (table === 'audit_entries' && String(row.action).endsWith('.refuse')) continue;
      hash.update(`${table}:${JSON.stringify(row)}\n`);
    }
  }
  return hash.digest('hex');
}
