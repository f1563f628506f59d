/** Parsers for flag values shared by several command groups. Pure; they throw UsageError on bad input. */
import { UsageError } from './errors.js';

/** Commander's accumulator for repeatable flags (`--tag a=1 --tag b=2`). */
export function repeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `key=value` pairs into a map; later pairs win. */
export function parseKeyValues(pairs: readonly string[], flag: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`${flag} expects key=value, got ${JSON.stringify(pair)}`);
    map[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return map;
}

/** Comma-separated lists, also given as repeated flags: `--allow ssh,http --allow tls`. */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `90d`, `12h`, `30m`, `2w` or `45s`, in milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (!match || Number(match[1]) === 0) {
    throw new UsageError(`${flag} expects a duration such as 30d, 12h or 2w, got ${JSON.stringify(text)}`);
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** An expiry `--expires-in 30d` as the API's `expires_at` timestamp. */
export function expiresAt(expiresIn: string | undefined, now = Date.now()): string | undefined {
  if (expiresIn === undefined) return undefined;
  return new Date(now + parseDuration(expiresIn, '--expires-in')).toISOString();
}

/** A point in time: an ISO date or timestamp, or a duration meaning that long ago (`--from 24h`). */
export function parseTime(text: string, flag: string, now = Date.now()): string {
  if (/^\d+\s*[smhdw]$/.test(text.trim())) return new Date(now - parseDuration(text, flag)).toISOString();
  const time = Date.parse(text);
  if (Number.isNaN(time)) {
    throw new UsageError(
      `${flag} expects a date (2026-01-31T08:00:00Z) or a duration ago (24h), got ${text}`,
    );
  }
  return new Date(time).toISOString();
}

export function parsePort(text: string, flag: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new UsageError(`${flag} expects a port 0-65535, got ${text}`);
  return port;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isId(text: string): boolean {
  return ID.test(text);
}
