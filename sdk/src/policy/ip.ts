/**
 * IP addresses and CIDR ranges without Node: parsing (IPv4, IPv6 with `::` and an embedded IPv4 tail) and
 * containment. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are treated as the IPv4 address they carry, on
 * both sides, so `10.0.0.0/8` matches a dual-stack listener's `::ffff:10.1.2.3`.
 */

export interface IpAddress {
  family: 4 | 6;
  /** The address as an unsigned integer: 32 bits for IPv4, 128 for IPv6. */
  value: bigint;
}

export interface IpRange {
  family: 4 | 6;
  /** The first address of the range (host bits cleared). */
  network: bigint;
  prefix: number;
}

const MAPPED_PREFIX = 0xffffn << 32n;

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Decimal only, no leading zeros: "010" is octal to some parsers and decimal to others.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (text.length > 45 || text.includes('%')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const words: number[] = [];
  const all = [...head, ...tail];
  // An IPv4 tail stands for the last two 16-bit groups.
  const last = all.at(-1);
  let ipv4Tail: bigint | undefined;
  if (last?.includes('.')) {
    ipv4Tail = parseIpv4(last);
    if (ipv4Tail === undefined) return undefined;
    if (tail.length > 0) tail.pop();
    else head.pop();
  }
  const parseGroups = (list: string[]) => {
    for (const group of list) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return false;
      words.push(Number.parseInt(group, 16));
    }
    return true;
  };
  const tailWords = ipv4Tail === undefined ? 8 : 6;
  if (!parseGroups(head)) return undefined;
  const headCount = words.length;
  if (!parseGroups(tail)) return undefined;
  const explicit = words.length;
  if (halves.length === 1 && explicit !== tailWords) return undefined;
  if (halves.length === 2 && explicit > tailWords - 1) return undefined;
  const zeros = tailWords - explicit;
  const full = [...words.slice(0, headCount), ...new Array<number>(zeros).fill(0), ...words.slice(headCount)];
  let value = 0n;
  for (const word of full) value = (value << 16n) | BigInt(word);
  return ipv4Tail === undefined ? value : (value << 32n) | ipv4Tail;
}

/** Parses an address; IPv4-mapped IPv6 comes back as IPv4. */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    if (value === undefined) return undefined;
    if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
    return { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

/** Parses `address/prefix` (or a bare address, a range of one). */
export function parseCidr(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
  const isV6 = addressText.includes(':');
  const raw = isV6 ? parseIpv6(addressText) : parseIpv4(addressText);
  if (raw === undefined) return undefined;
  const bits = isV6 ? 128 : 32;
  if (prefixText !== undefined && !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return undefined;
  let prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  let family: 4 | 6 = isV6 ? 6 : 4;
  let value = raw;
  // A range inside ::ffff:0:0/96 is an IPv4 range written the IPv6 way.
  if (isV6 && prefix >= 96 && raw >> 32n === 0xffffn) {
    family = 4;
    value = raw & 0xffffffffn;
    prefix -= 96;
  }
  const width = family === 4 ? 32 : 128;
  return { family, network: (value >> BigInt(width - prefix)) << BigInt(width - prefix), prefix };
}

export function rangeContains(range: IpRange, address: IpAddress): boolean {
  if (range.family !== address.family) {
    // ::/0 and ::ffff:0:0/96 spell "every IPv4 address" in IPv6 terms as well.
    return range.family === 6 && address.family === 4 && matchesMappedSpace(range);
  }
  const width = range.family === 4 ? 32 : 128;
  const shift = BigInt(width - range.prefix);
  return address.value >> shift === range.network >> shift;
}

function matchesMappedSpace(range: IpRange): boolean {
  if (range.prefix > 96) return false;
  const shift = BigInt(128 - range.prefix);
  return MAPPED_PREFIX >> shift === range.network >> shift;
}

export function isIpOrCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}
