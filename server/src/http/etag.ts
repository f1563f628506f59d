/** Optimistic concurrency: each resource carries a version; its ETag is that version, `If-Match` guards updates. */
import type { Context } from 'hono';
import { ApiError } from './problem.js';

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** Throws 412 when the request's `If-Match` names another version. Without `If-Match` the update proceeds. */
export function checkIfMatch(c: Context, currentVersion: number): void {
  const header = c.req.header('if-match');
  if (header === undefined) return;
  const tags = header.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (tags.includes('*') || tags.includes(etagOf(currentVersion))) return;
  throw new ApiError(
    'precondition_failed',
    `the resource changed: If-Match ${header} does not match the current ETag ${etagOf(currentVersion)}`,
  );
}
