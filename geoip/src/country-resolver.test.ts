import { beforeAll, describe, expect, it } from 'vitest';
import { type CountryResolver, openCountryResolver, parseCountryOverrides } from './country-resolver.js';

describe('country resolver over the shipped DB-IP database', () => {
  let geo: CountryResolver;
  beforeAll(async () => {
    geo = await openCountryResolver({ overrides: { '10.20.0.0/16': 'NL', '2001:db8:1::/48': 'DE' } });
  });

  it('finds the country of public addresses, IPv4, IPv6 and IPv4-mapped', () => {
    // A US resolver, and the RIPE NCC's own addresses in Amsterdam.
    expect(geo.country('8.8.8.8')).toBe('US');
    expect(geo.country('::ffff:8.8.8.8')).toBe('US');
    expect(geo.country('193.0.6.139')).toBe('NL');
    expect(geo.country('2001:67c:2e8:22::c100:68b')).toBe('NL');
  });

  it('gives private, loopback and link-local addresses no country', () => {
    for (const ip of [
      '10.1.2.3',
      '192.168.1.1',
      '172.16.0.1',
      '127.0.0.1',
      '::1',
      'fe80::1',
      'fd00::1',
      '100.64.0.1',
    ]) {
      expect(geo.country(ip), ip).toBeNull();
    }
  });

  it('lets the override map name a country first, private ranges included', () => {
    expect(geo.country('10.20.3.4')).toBe('NL');
    expect(geo.country('2001:db8:1::5')).toBe('DE');
    expect(geo.country('10.21.0.1')).toBeNull();
  });

  it('answers null for what is not an address', () => {
    expect(geo.country('not-an-ip')).toBeNull();
  });
});

describe('parseCountryOverrides', () => {
  it('reads CIDR=CC pairs and refuses anything else', () => {
    expect(parseCountryOverrides('10.1.0.0/16=NL, 192.168.0.0/16=US')).toEqual({
      '10.1.0.0/16': 'NL',
      '192.168.0.0/16': 'US',
    });
    expect(parseCountryOverrides(undefined)).toEqual({});
    expect(() => parseCountryOverrides('10.1.0.0/16=nl')).toThrow(/expected CIDR=CC/);
    expect(() => parseCountryOverrides('banana=NL')).toThrow(/expected CIDR=CC/);
  });
});
