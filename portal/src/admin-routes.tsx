/** The admin pages: their place in the navigation and the page for each admin path. */
import type { ReactElement } from 'react';
import { AuditLog } from './audit.js';
import { Connectors } from './connectors.js';
import { Dashboard } from './dashboard.js';
import { IdentityProviders } from './identity-providers.js';
import { Groups, Members, ServiceAccounts } from './people.js';
import { Policies, PolicyDetail, PolicyNew } from './policies.js';
import { ServiceAccountDetail } from './service-account.js';
import { SocketDetail, SocketEdit, SocketNew } from './socket-detail.js';

export const ADMIN_PAGES = [
  ['/dashboard', 'Dashboard'],
  ['/policies', 'Policies'],
  ['/connectors', 'Connectors'],
  ['/members', 'Members'],
  ['/groups', 'Groups'],
  ['/service-accounts', 'Service accounts'],
  ['/identity-providers', 'Identity providers'],
  ['/audit', 'Audit log'],
] as const;

const ID = '([0-9a-f-]{36})';

/** The admin page at `path` (without a trailing slash), or undefined when the path is not an admin page. */
export function adminPage(path: string): ReactElement | undefined {
  switch (path) {
    case '/dashboard':
      return <Dashboard />;
    case '/sockets/new':
      return <SocketNew />;
    case '/policies':
      return <Policies />;
    case '/policies/new':
      return <PolicyNew />;
    case '/connectors':
      return <Connectors />;
    case '/members':
      return <Members />;
    case '/groups':
      return <Groups />;
    case '/service-accounts':
      return <ServiceAccounts />;
    case '/identity-providers':
      return <IdentityProviders />;
    case '/audit':
      return <AuditLog />;
  }
  const match = (pattern: string) => path.match(new RegExp(`^${pattern}$`, 'i'))?.[1];
  const socket = match(`/sockets/${ID}`);
  if (socket) return <SocketDetail id={socket} />;
  const editSocket = match(`/sockets/${ID}/edit`);
  if (editSocket) return <SocketEdit id={editSocket} />;
  const policy = match(`/policies/${ID}`);
  if (policy) return <PolicyDetail id={policy} />;
  const serviceAccount = match(`/service-accounts/${ID}`);
  if (serviceAccount) return <ServiceAccountDetail id={serviceAccount} />;
  return undefined;
}
