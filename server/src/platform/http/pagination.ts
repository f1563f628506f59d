/**
 * Cursor pagination: lists are ordered by their time-ordered id; the cursor is the last id of a page,
 * opaque to clients. A page of `limit` rows plus one look-ahead row tells whether there is a next page.
 */
import { isId } from '../ids.js';
import { invalid } from './problem.js';

/** What a store's list is asked for: the rows after the cursor's id, `limit` of them plus one look-ahead row. */
export interface PageRequest {
  after: string | undefined;
  limit: number;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isId(id)) throw invalid('cursor', 'is not a cursor this server issued');
  return id;
}

/** For lists keyed by a sequence number (audit entries, session events) rather than an id. */
export function decodeNumericCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const n = Number(text);
  if (!/^\d{1,15}$/.test(text) || !Number.isSafeInteger(n)) {
    throw invalid('cursor', 'is not a cursor this server issued');
  }
  return n;
}

/** `rows` was fetched with `limit + 1`; `key` names the column the cursor carries (default `id`). */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
  key: (row: R) => string | number = (row) => (row as { id: string }).id,
): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(map),
    next_cursor:
      hasMore && last !== undefined ? Buffer.from(String(key(last)), 'utf8').toString('base64url') : null,
  };
}
