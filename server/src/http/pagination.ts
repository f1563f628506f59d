/**
 * Cursor pagination: lists are ordered by their time-ordered id; the cursor is the last id of a page,
 * opaque to clients. A page of `limit` rows plus one look-ahead row tells whether there is a next page.
 */
import { isId } from '../ids.js';
import { invalid } from './problem.js';

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

/** `rows` was fetched with `limit + 1`. */
export function toPage<R extends { id: string }, T>(rows: R[], limit: number, map: (row: R) => T): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(map),
    next_cursor: hasMore && last ? Buffer.from(last.id, 'utf8').toString('base64url') : null,
  };
}
