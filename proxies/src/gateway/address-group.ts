/**
 * What counts as one client address for connection budgets: an IPv4 address, or an IPv6 /64 (the smallest
 * prefix a site is given: anyone with one address has the other 2^64 too).
 */
import { isIPv6 } from 'node:net';

export function addressGroup(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const bare = address.split('%')[0]!.toLowerCase();
  const hextets = (part: string) =>
    part === '' ? [] : part.split(':').flatMap((h) => (h.includes('.') ? ['0', '0'] : [h]));
  const [head = '', tail] = bare.split('::');
  const front = hextets(head);
  const back = tail === undefined ? [] : hextets(tail);
  const all = [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  return `${all
    .slice(0, 4)
    .map((h) => Number.parseInt(h, 16).toString(16))
    .join(':')}::/64`;
}
