/**
 * Text that a user or an upstream chose (names, reasons, login names, audit details, error details), made
 * safe to print on an admin's terminal: every character that a terminal acts on instead of showing is
 * rendered visibly. Otherwise a login name or a socket description could carry escape sequences that set
 * the clipboard (OSC 52), retitle the window, make the terminal answer as if typed, or hide and rewrite
 * what the admin reads (carriage return, backspace, bidirectional overrides).
 */

/**
 * C0 controls, DEL, C1 controls (a terminal may read U+009B as CSI), the Unicode line and paragraph
 * separators, and the bidirectional formatting characters that reorder what is displayed ("Trojan Source").
 */
const isInvisibleControl = (code: number) =>
  code < 0x20 ||
  (code >= 0x7f && code <= 0x9f) ||
  code === 0x2028 ||
  code === 0x2029 ||
  code === 0x061c ||
  code === 0x200e ||
  code === 0x200f ||
  (code >= 0x202a && code <= 0x202e) ||
  (code >= 0x2066 && code <= 0x2069);

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escaped(character: string): string {
  const named = NAMED[character];
  if (named) return named;
  const code = character.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * The text with every control character shown as an escape (`\x1b`, `\n`, `\u202e`): one line, acted on by
 * no terminal. Text without any is returned as it is.
 *
 * @example
 * visible('root\x1b]52;c;aWQ=\x07') // → 'root\x1b]52;c;aWQ=\x07' as 24 printable characters
 */
export function visible(text: string): string {
  let clean = true;
  for (let i = 0; i < text.length && clean; i++) clean = !isInvisibleControl(text.charCodeAt(i));
  if (clean) return text;
  let out = '';
  for (const character of text)
    out += isInvisibleControl(character.charCodeAt(0)) ? escaped(character) : character;
  return out;
}

/** What JSON.stringify leaves raw that a terminal may act on (it escapes C0 itself). */
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON.stringify's output with what it leaves raw (DEL, C1, line separators, bidirectional controls)
 * escaped as `\uXXXX` too: the same JSON value, and nothing in it a terminal acts on.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
