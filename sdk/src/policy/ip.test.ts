import { BlockList } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCidr, parseIp, rangeContains } from './ip.js';

/** The reference: Node's own subnet matching. */
function reference(network: string, prefix: number, address: string, family: 'ipv4' | 'ipv6'): boolean {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return list.check(address, family);
}

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const ipv6 = fc
  .array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
  .map((w) => w.map((x) => x.toString(16)).join(':'));

describe('CIDR matching agrees with Node’s BlockList', () => {
  it('on random IPv4 ranges and addresses', () => {
    fc.assert(
      fc.property(ipv4, fc.nat(32), ipv4, (network, prefix, address) => {
        const range = parseCidr(`${network}/${prefix}`)!;
        expect(rangeContains(range, parseIp(address)!)).toBe(reference(network, prefix, address, 'ipv4'));
      }),
      { numRuns: 2000 },
    );
  });

  it('on random IPv6 ranges and addresses, including nearby ones', () => {
    fc.assert(
      fc.property(ipv6, fc.nat(128), fc.nat(0xffff), fc.boolean(), (network, prefix, noise, near) => {
        // Half the addresses share the network's leading groups, so matches are not vanishingly rare.
        const address = near ? network.replace(/[0-9a-f]+$/, noise.toString(16)) : `${noise.toString(16)}::1`;
        const range = parseCidr(`${network}/${prefix}`);
        if (range?.family === 4) return; // an IPv4-mapped range: covered below
        expect(rangeContains(range!, parseIp(address)!)).toBe(reference(network, prefix, address, 'ipv6'));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parsing', () => {
  it.each([
    ['::', 6, 0n],
    ['::1', 6, 1n],
    ['2001:db8::', 6, 0x20010db8n << 96n],
    ['1::2:3', 6, (1n << 112n) | (2n << 16n) | 3n],
    ['::ffff:10.1.2.3', 4, 0x0a010203n],
    ['::ffff:a01:203', 4, 0x0a010203n],
    ['64:ff9b::192.0.2.33', 6, (0x64n << 112n) | (0xff9bn << 96n) | 0xc0000221n],
    ['203.0.113.7', 4, 0xcb007107n],
  ])('reads %s', (text, family, value) => {
    expect(parseIp(text)).toEqual({ family, value });
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    'fe80::1%eth0',
    'g::1',
    '::1.2.3',
  ])('refuses %s', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it.each(['10.0.0.0/33', '::/129', '10.0.0.0/-1', '10.0.0.0/08', '10.0.0.0/'])(
    'refuses the range %s',
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
    },
  );
});

describe('IPv4-mapped addresses', () => {
  it('match IPv4 ranges, and IPv4 addresses match mapped ranges', () => {
    expect(rangeContains(parseCidr('10.0.0.0/8')!, parseIp('::ffff:10.9.8.7')!)).toBe(true);
    expect(rangeContains(parseCidr('::ffff:10.0.0.0/104')!, parseIp('10.9.8.7')!)).toBe(true);
    expect(rangeContains(parseCidr('::ffff:10.0.0.0/104')!, parseIp('11.0.0.1')!)).toBe(false);
  });

  it('fall inside ::/0, but not inside a range of other IPv6 space', () => {
    expect(rangeContains(parseCidr('::/0')!, parseIp('192.0.2.1')!)).toBe(true);
    expect(rangeContains(parseCidr('2001:db8::/32')!, parseIp('192.0.2.1')!)).toBe(false);
  });
});
