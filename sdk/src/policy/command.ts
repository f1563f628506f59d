/**
 * How ssh exec commands are matched: exactly, character for character, as the upstream receives them. The
 * proxy forwards the client's command string untouched and the upstream's shell reads it (`$SHELL -c`), so
 * any rewriting before the comparison (trimming, collapsing white space, Unicode normalisation) would let a
 * command that the shell reads differently pass as an allowed one: `bash\n/tmp/x` is two commands to the
 * shell, never `bash /tmp/x`. Control characters are refused outright: in a command line they only ever
 * separate commands (newline, carriage return), end it early (NUL) or hide what it does from whoever reads
 * it later (escape sequences, backspace, DEL).
 */

/** C0 controls (tab and newline included), DEL and the C1 controls. */
const isControl = (code: number) => code < 0x20 || (code >= 0x7f && code <= 0x9f);
/** JSON.stringify leaves these as they are; a reason that quotes a command must not. */
const UNESCAPED_BY_JSON = /[\u007f-\u009f\u2028\u2029]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Quoted commands in reasons are cut to this many characters: a reason is one readable line. */
const QUOTED_MAX = 200;

/** The first control character of a command and where it is, or undefined when there is none. */
export function controlCharacterIn(command: string): { escaped: string; index: number } | undefined {
  for (let index = 0; index < command.length; index++) {
    if (isControl(command.charCodeAt(index))) return { escaped: escapeCharacter(command[index]!), index };
  }
  return undefined;
}

function escapeCharacter(character: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return named[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * A command in double quotes as one printable line: quotes, backslashes and every control character escaped
 * (as JSON writes them), long commands shortened.
 *
 * @example
 * quoteCommand('bash\n/tmp/x') // → "bash\n/tmp/x" (a backslash and an n, not a line break)
 */
export function quoteCommand(command: string): string {
  const shown = command.length > QUOTED_MAX ? `${command.slice(0, QUOTED_MAX)}…` : command;
  return JSON.stringify(shown).replace(UNESCAPED_BY_JSON, escapeCharacter);
}

/** Why a command is refused whatever the policies say, or undefined when it has no control character. */
export function controlCharacterRefusal(command: string): string | undefined {
  const control = controlCharacterIn(command);
  if (!control) return undefined;
  return `the command ${quoteCommand(command)} contains a control character (${control.escaped}); commands with control characters are never allowed`;
}

/** Why a command may not appear in a policy's list of allowed commands; undefined when it may. */
export function commandListProblem(command: string): string | undefined {
  const control = controlCharacterIn(command);
  if (control) {
    return (
      `must not contain control characters (${control.escaped} at position ${control.index}): ` +
      'the upstream shell would read them as part of the command line'
    );
  }
  if (/^\s|\s$/.test(command)) {
    return 'must not start or end with white space: commands are compared exactly as the client sends them';
  }
  if (LONE_SURROGATE.test(command)) return 'must be well-formed Unicode text';
  return undefined;
}

/** Every control character of a text escaped, for reasons that name what a client sent. */
export function escapeControlCharacters(text: string): string {
  if (controlCharacterIn(text) === undefined) return text;
  return Array.from(text, (c) => (isControl(c.charCodeAt(0)) ? escapeCharacter(c) : c)).join('');
}
