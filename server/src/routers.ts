/** Every resource router of /api/v1, in the order the reference lists them. */

import { accessRoutes } from './access/access-routes.js';
import { auditRoutes } from './audit/audit-routes.js';
import { clientCertificateRoutes } from './certificates/client-certificate-routes.js';
import { connectorRoutes } from './connectors/connector-routes.js';
import { connectorSelfRoutes } from './connectors/connector-self-routes.js';
import { groupRoutes } from './groups/group-routes.js';
import { identityProviderRoutes } from './identity-providers/identity-provider-routes.js';
import { jwksRoutes } from './identity-tokens/jwks-routes.js';
import { deviceLoginRoutes } from './login/device-login-routes.js';
import { passwordRoutes } from './login/password-routes.js';
import { invitationRoutes } from './members/invitation-routes.js';
import { memberRoutes } from './members/member-routes.js';
import { organizationRoutes } from './organizations/organization-routes.js';
import { policyRoutes } from './policies/policy-routes.js';
import { clientProxyRoutes } from './proxies/client-proxy-routes.js';
import { proxyDatabaseRoutes } from './proxies/proxy-database-routes.js';
import { proxyEventRoutes } from './proxies/proxy-event-routes.js';
import { proxyHttpRoutes } from './proxies/proxy-http-routes.js';
import { proxyRoutes } from './proxies/proxy-routes.js';
import { proxySshRoutes } from './proxies/proxy-ssh-routes.js';
import { proxyRecordingRoutes } from './recordings/proxy-recording-routes.js';
import { recordingRoutes } from './recordings/recording-routes.js';
import { serviceAccountRoutes } from './service-accounts/service-account-routes.js';
import type { Services } from './services.js';
import { proxySessionRoutes } from './sessions/proxy-session-routes.js';
import { sessionRoutes } from './sessions/session-routes.js';
import { mySocketRoutes } from './sockets/my-socket-routes.js';
import { socketRoutes } from './sockets/socket-routes.js';
import { tokenRoutes } from './tokens/token-routes.js';
import { webIdentityExchangeRoutes } from './web-identities/web-identity-exchange-routes.js';
import { webIdentityRoutes } from './web-identities/web-identity-routes.js';
import { accountSecurityRoutes } from './web-login/account-security-routes.js';
import { webTerminalRoutes } from './web-terminal/web-terminal-routes.js';

export function apiRouters(services: Services) {
  return [
    organizationRoutes(services),
    jwksRoutes(services),
    memberRoutes(services),
    invitationRoutes(services),
    passwordRoutes(services),
    accountSecurityRoutes(services),
    deviceLoginRoutes(services),
    groupRoutes(services),
    identityProviderRoutes(services),
    serviceAccountRoutes(services),
    webIdentityRoutes(services),
    webIdentityExchangeRoutes(services),
    tokenRoutes(services),
    socketRoutes(services),
    policyRoutes(services),
    accessRoutes(services),
    // After the access routes: they name EffectivePermissions first, nullable as decisions have it.
    mySocketRoutes(services),
    webTerminalRoutes(services),
    connectorRoutes(services),
    sessionRoutes(services),
    recordingRoutes(services),
    clientCertificateRoutes(services),
    clientProxyRoutes(services),
    auditRoutes(services),
    proxyRoutes(services),
    proxySessionRoutes(services),
    proxySshRoutes(services),
    proxyDatabaseRoutes(services),
    proxyHttpRoutes(services),
    proxyRecordingRoutes(services),
    proxyEventRoutes(services),
    connectorSelfRoutes(services),
  ];
}
