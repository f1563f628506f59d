/**
 * From a dnsname back to its socket: `<socket>-<org>.<base domain>`. Socket and organization names may both
 * contain hyphens, so the label is split at every hyphen and each (socket, organization) pair is looked for
 * (socket-store.ts, `findSocketByDnsname`).
 */
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Every (socket, organization) pair of names that `dnsname` could stand for under `baseDomain`. */
export function dnsnameCandidates(dnsname: string, baseDomain: string): { socket: string; org: string }[] {
  const name = dnsname.toLowerCase().replace(/\.$/, '');
  const suffix = `.${baseDomain.toLowerCase()}`;
  if (!name.endsWith(suffix)) return [];
  const label = name.slice(0, -suffix.length);
  if (label.includes('.')) return [];
  const candidates: { socket: string; org: string }[] = [];
  for (let at = label.indexOf('-'); at > 0; at = label.indexOf('-', at + 1)) {
    const socket = label.slice(0, at);
    const org = label.slice(at + 1);
    if (DNS_LABEL.test(socket) && DNS_LABEL.test(org)) candidates.push({ socket, org });
  }
  return candidates;
}
