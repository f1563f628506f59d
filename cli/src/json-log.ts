/**
 * Recordings kept as JSON lines (query logs, access logs): a header with `version: 1`, then one object per
 * line; and how their text is shown, on one line, without terminal control characters.
 */
import { CliError } from './errors.js';
import { visible } from './terminal-text.js';

/** `text` on one line of at most `max` characters, control characters neutralised. */
export function oneLine(text: string, max: number): string {
  const flat = visible(String(text).replace(/[\r\n\t]+/g, ' '));
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The lines of a JSON-lines log after its header (checked to be version 1); lines `isLine` does not accept
 * are skipped. `kind` names the log in errors ("query log", "access log").
 */
export async function* jsonLogLines<T>(
  lines: AsyncIterable<string>,
  kind: string,
  isLine: (value: Record<string, unknown>) => boolean,
): AsyncGenerator<T> {
  let header = true;
  let number = 0;
  for await (const text of lines) {
    number++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new CliError(`the ${kind} is damaged at line ${number}`);
    }
    if (header) {
      header = false;
      if ((value as { version?: unknown }).version !== 1)
        throw new CliError(`not ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`);
      continue;
    }
    if (value !== null && typeof value === 'object' && isLine(value as Record<string, unknown>))
      yield value as T;
  }
}
