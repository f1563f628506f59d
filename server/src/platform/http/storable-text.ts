/**
 * What the store cannot hold, found before any route sees it. PostgreSQL refuses U+0000 in text and in jsonb
 * (`\u0000`); a lone UTF-16 surrogate has no UTF-8 form, so the driver silently stores U+FFFD in text and
 * jsonb refuses its escape. Both are answered 400 naming the field, whatever the route. Nesting is bounded
 * too: the store and every reader of stored JSON recurse over it.
 */
import type { FieldError } from './problem.js';

/** Levels of arrays and objects a JSON body may nest, the body itself being the first. */
export const MAX_JSON_DEPTH = 32;

/** Field errors reported for one request at most: enough to fix it, bounded for a body full of them. */
const MAX_REPORTED = 20;

// Without the `u` flag a regular expression sees UTF-16 code units, so it can find unpaired halves.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why the store cannot hold `text`, or undefined when it can. */
export function unstorable(text: string): string | undefined {
  const found = UNSTORABLE.exec(text)?.[0];
  if (found === undefined) return undefined;
  if (found === '\u0000') return 'contains U+0000 (NUL), which is not accepted';
  const unit = found.charCodeAt(0).toString(16).toUpperCase();
  return `contains a lone UTF-16 surrogate (U+${unit}), which is not accepted`;
}

/**
 * Whether JSON text nests arrays and objects deeper than `limit`, decided by scanning it once without parsing,
 * so that a body of a million brackets costs no recursion anywhere.
 */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // a backslash escapes the next character, a quote included
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > limit) return true;
    } else if (ch === 0x5d || ch === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * The strings of a parsed JSON value (object keys included) that the store cannot hold, each named by its
 * dotted path (`upstream_configuration.hostname`, `tags.0`). A bad key is reported on the object holding it.
 * `value` must be bounded in depth (see jsonNestsDeeperThan): this recurses.
 */
export function unstorableFields(value: unknown, field = '', found: FieldError[] = []): FieldError[] {
  if (found.length >= MAX_REPORTED) return found;
  if (typeof value === 'string') {
    const why = unstorable(value);
    if (why) found.push({ field: field || '(body)', message: why });
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) unstorableFields(item, join(field, String(i)), found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const why = unstorable(key);
      if (why) found.push({ field: field || '(body)', message: `has a key that ${why}` });
      else unstorableFields(item, join(field, key), found);
    }
  }
  return found.slice(0, MAX_REPORTED);
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
