/** Optimistic concurrency: each resource carries a version; its ETag is that version, `If-Match` guards updates. */
import type { Context } from 'hono';
import { ApiError } from './problem.js';

export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * Throws 412 when the request's `If-Match` names another version. Without `If-Match` the update proceeds.
 * `If-Match` uses the strong comparison (RFC 9110 §13.1.1): a weak tag (`W/"3"`) never matches, since it
 * only promises an equivalent representation, not the exact version the change was made against.
 */
export function checkIfMatch(c: Context, currentVersion: number): void {
  const header = c.req.header('if-match');
  if (header === undefined) return;
  const tags = header.split(',').map((t) => t.trim());
  if (tags.includes('*') || tags.includes(etagOf(currentVersion))) return;
  const weak = tags.includes(`W/${etagOf(currentVersion)}`)
    ? ' (a weak ETag never matches: send the strong one)'
    : '';
  throw new ApiError(
    'precondition_failed',
    `the resource changed: If-Match ${header} does not match the current ETag ${etagOf(currentVersion)}${weak}`,
  );
}

/** What every update of a versioned row sets besides its fields: the next version (its new ETag) and when. */
export function nextVersion(row: { version: number }): { updated_at: Date; version: number } {
  return { updated_at: new Date(), version: row.version + 1 };
}
