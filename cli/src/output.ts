/**
 * Printing results: aligned tables for people, JSON for scripts. Lists are collected in full first (walking
 * every page), because a table's columns can only be aligned once every row is known. Everything printed
 * here is made terminal-safe (see terminal-text.ts): the data comes from users and upstreams.
 */
import type { Context } from './context.js';
import { terminalSafeJson, visible } from './terminal-text.js';

/** A column of a table: its heading, and how to show one item's value. */
export type Column<T> = readonly [heading: string, value: (item: T) => unknown];

/**
 * Shows any value in one table cell: nothing as `-`, lists comma-separated, maps as `k=v`, white space as
 * one space, other control characters visibly escaped.
 */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(cell).join(',');
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 0 ? '-' : entries.map(([k, v]) => `${cell(k)}=${cell(v)}`).join(',');
  }
  return visible(String(value).replace(/\s+/g, ' '));
}

/** Rows as aligned columns, two spaces apart; the last column is not padded. Cells are made visible. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const safe = rows.map((row) => row.map(visible));
  const widths: number[] = [];
  for (const row of safe) {
    row.forEach((text, i) => {
      widths[i] = Math.max(widths[i] ?? 0, text.length);
    });
  }
  return safe
    .map((row) =>
      row
        .map((text, i) => (i === row.length - 1 ? text : text.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function tableOf<T>(items: readonly T[], columns: readonly Column<T>[]): string {
  const header = columns.map(([heading]) => heading);
  return formatTable([header, ...items.map((item) => columns.map(([, value]) => cell(value(item))))]);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** JSON for scripts: the same value, with nothing in it a terminal would act on. */
export function printJson(value: unknown): void {
  console.log(terminalSafeJson(JSON.stringify(value, null, 2)));
}

/** One line for people, with what users or upstreams chose in it shown visibly. */
export function printLine(text: string): void {
  console.log(visible(text));
}

export async function printList<T>(
  ctx: Context,
  items: AsyncIterable<T> | readonly T[],
  columns: readonly Column<T>[],
): Promise<void> {
  const all = Symbol.asyncIterator in items ? await collect(items) : [...items];
  if (ctx.output === 'json') printJson(all);
  else if (all.length === 0) {
    // An empty table would be just a header line; say it in words instead, on stderr so pipes stay clean.
    console.error('(none)');
  } else console.log(tableOf(all, columns));
}

/** One object: JSON as is, or its fields one per line. */
export function printItem<T>(ctx: Context, item: T, fields: readonly Column<T>[]): void {
  if (ctx.output === 'json') printJson(item);
  else console.log(formatTable(fields.map(([heading, value]) => [`${heading}:`, cell(value(item))])));
}

/** The outcome of a command that has no object to show (delete, switch): words for people, JSON for scripts. */
export function printDone(ctx: Context, message: string, json: Record<string, unknown>): void {
  if (ctx.output === 'json') printJson(json);
  else printLine(message);
}
