/**
 * Who a client is, read from the certificate it presented (issued by its organization's client CA): the
 * common name is an email or `service-account:<name>`, the organization name is the O attribute.
 */
import type { PeerCertificate } from 'node:tls';

export interface ClientIdentity {
  email?: string;
  service_account?: string;
  organization: string;
  /** How logs and sessions name the client. */
  label: string;
}

const SERVICE_ACCOUNT = 'service-account:';

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function clientIdentity(certificate: PeerCertificate | undefined): ClientIdentity | undefined {
  const commonName = first(certificate?.subject?.CN);
  const organization = first(certificate?.subject?.O);
  if (!commonName || !organization) return undefined;
  if (commonName.startsWith(SERVICE_ACCOUNT)) {
    const name = commonName.slice(SERVICE_ACCOUNT.length);
    return name ? { service_account: name, organization, label: `service account ${name}` } : undefined;
  }
  if (!commonName.includes('@')) return undefined;
  return { email: commonName.toLowerCase(), organization, label: commonName.toLowerCase() };
}
