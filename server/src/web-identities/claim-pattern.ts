/**
 * Patterns for the claims a trusted web identity requires: the value itself, where `*` stands for any run of
 * characters (none included), e.g. `repo:acme/app:ref:refs/heads/*`. Nothing else is special, so a pattern
 * without `*` is an exact match.
 */

/**
 * Whether `value` is a string that `pattern` matches as a whole. The classic two-pointer wildcard match: at
 * most pattern × value steps whatever the pattern (a regular expression could backtrack far longer).
 */
export function claimMatches(pattern: string, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = v;
    } else if (p < pattern.length && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Whether `pattern` names something: a pattern of nothing but `*` would let every token of the issuer in. */
export const namesSomething = (pattern: string) => pattern.replaceAll('*', '').length > 0;
