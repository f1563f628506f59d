/**
 * Field-level differences between an entry of a resources document and the resource as the API shows it
 * (turned into the same shape first, see `resource-kinds.ts`). Only the fields the entry states count: a field
 * the file leaves out is the server's business (a default, or an admin's choice). Inside an object the same
 * holds (an upstream's `scheme` left to its default is no change), except where every key is data:
 * tag maps and header maps, compared key by key, and a policy's `document` and `tag_rules`, compared whole.
 * Lists of names (a socket's connectors, a policy's sockets, a group's members) are sets.
 */
import { SECRET_FIELDS } from './secret-reference.js';

export interface FieldDiff {
  /** The field, as in the file: `upstream_configuration.port`, `tags.env`. */
  path: string;
  /** The current value; undefined when the field is not set. */
  before: unknown;
  /** The value the file states; undefined when the field is to go (a tag the file no longer names). */
  after: unknown;
  /** A write-only secret: the values are references or presence, never secrets. */
  secret?: true;
}

/** Lists of names whose order does not matter. */
const NAME_SETS = new Set(['connectors', 'sockets', 'members']);
/** Maps whose every key is data: a key missing from the file is a key to remove. */
const OPEN_MAPS = new Set(['tags', 'headers']);
/** Fields the server stores as given, compared whole. */
const WHOLE = new Set(['document', 'tag_rules']);

/** What differs between the fields `desired` states and `actual`; empty when nothing does. */
export function diffEntry(desired: object, actual: object, prefix = ''): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const current = actual as Record<string, unknown>;
  for (const [key, after] of Object.entries(desired)) {
    if (after === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    const before = current[key];
    if (prefix === 'upstream_configuration' && (SECRET_FIELDS as readonly string[]).includes(key)) {
      // The API answers only whether a secret is stored: a stated secret differs only when none is.
      if (before === undefined) diffs.push({ path, before, after, secret: true });
    } else if (NAME_SETS.has(key) && Array.isArray(after)) {
      if (!sameSet(after, before)) diffs.push({ path, before, after });
    } else if (OPEN_MAPS.has(key) && isObject(after)) {
      const old = isObject(before) ? before : {};
      for (const tag of new Set([...Object.keys(old), ...Object.keys(after)].sort())) {
        if (old[tag] !== after[tag])
          diffs.push({ path: `${path}.${tag}`, before: old[tag], after: after[tag] });
      }
    } else if (!WHOLE.has(key) && isObject(after) && isObject(before)) {
      diffs.push(...diffEntry(after, before, path));
    } else if (!deepEqual(after, before)) {
      diffs.push({ path, before, after });
    }
  }
  return diffs;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Equal as JSON, whatever the order of object keys. */
export function deepEqual(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

function sameSet(a: unknown[], b: unknown): boolean {
  if (!Array.isArray(b)) return a.length === 0;
  const norm = (list: unknown[]) => [...new Set(list.map((v) => String(v).toLowerCase()))].sort().join('\n');
  return norm(a) === norm(b);
}
