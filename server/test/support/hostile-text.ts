/**
 * Text the store cannot hold, for tests: NUL and lone UTF-16 surrogates, how to put them into a URL, how to
 * tell whether a value holds them (written apart from the server's own check, so that it can judge it), and
 * fast-check arbitraries that mix them into full-unicode strings.
 */
import fc from 'fast-check';

/** Percent-encodes every UTF-16 code unit; a lone surrogate becomes its 3-byte WTF-8 form (%ED%A0%80). */
export function percentEncodeWtf8(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      out += [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else {
      out += encodeURIComponent(ch);
    }
  }
  return out;
}

/** Whether a string holds NUL or half of a surrogate pair without the other half. */
export function holdsUnstorable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0) return true;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/** Whether any string of a JSON value, object keys included, holds NUL or a lone surrogate. */
export function valueHoldsUnstorable(value: unknown): boolean {
  // A loop, not recursion: fuzzed values nest deeper than a test worker's stack.
  const pending = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string' && holdsUnstorable(next)) return true;
    if (next !== null && typeof next === 'object') {
      for (const [key, item] of Object.entries(next)) {
        if (!Array.isArray(next) && holdsUnstorable(key)) return true;
        pending.push(item);
      }
    }
  }
  return false;
}

/** Levels of arrays and objects in a JSON value, the value itself being the first. */
export function nestingOf(value: unknown): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [next, above] = pending.pop()!;
    if (next === null || typeof next !== 'object') continue;
    deepest = Math.max(deepest, above + 1);
    for (const item of Object.values(next)) pending.push([item, above + 1]);
  }
  return deepest;
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));

/** One character: any code point of full Unicode, NUL, or a lone surrogate half (both often). */
export const hostileChar: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), weight: 2 },
  { arbitrary: fc.constant('\u0000'), weight: 1 },
  { arbitrary: loneSurrogate, weight: 1 },
);

export const hostileString = (maxLength: number) => fc.string({ unit: hostileChar, maxLength });

/** JSON values whose strings (and keys) are hostile strings. */
export const hostileJson = (maxDepth = 4) => fc.jsonValue({ maxDepth, stringUnit: hostileChar });

/** `value` wrapped in `levels` arrays or single-key objects: nesting past any sane bound. */
export const deeplyNested = (value: unknown) =>
  fc
    .record({ levels: fc.integer({ min: 1, max: 1_000 }), asObjects: fc.boolean() })
    .map(({ levels, asObjects }) => {
      let nested = value;
      for (let i = 0; i < levels; i++) nested = asObjects ? { a: nested } : [nested];
      return nested;
    });
