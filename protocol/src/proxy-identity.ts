/**
 * How clients check a proxy's certificate. The proxy's certificate names `*.<base domain>`; Node refuses a
 * wildcard over a one-label domain such as `localhost` (`*.localhost`), which our own platform CA issues for
 * exactly that, so a one-label wildcard match is accepted too. Everything else is Node's check.
 */
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

export function checkProxyIdentity(host: string, certificate: PeerCertificate): Error | undefined {
  const error = checkServerIdentity(host, certificate);
  if (!error) return undefined;
  const dot = host.indexOf('.');
  const names = (certificate.subjectaltname ?? '')
    .split(', ')
    .map((n) => n.replace(/^DNS:/, '').toLowerCase());
  return dot > 0 && names.includes(`*${host.slice(dot).toLowerCase()}`) ? undefined : error;
}
