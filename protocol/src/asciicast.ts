/**
 * asciicast v2, the format of terminal session recordings: newline-delimited JSON, a header object on the
 * first line and one event array per line after it. The proxies write it, the server stores it, the CLI and
 * the portal replay it. https://docs.asciinema.org/manual/asciicast/v2/
 */

/** The first line. https://docs.asciinema.org/manual/asciicast/v2/#header */
export interface AsciicastHeader {
  version: 2;
  /** Terminal columns and rows at the start. */
  width: number;
  height: number;
  /** Unix time (seconds) of the start. */
  timestamp?: number;
  duration?: number;
  idle_time_limit?: number;
  command?: string;
  title?: string;
  /** Usually `TERM` and `SHELL`. */
  env?: Record<string, string>;
}

/** https://docs.asciinema.org/manual/asciicast/v2/#supported-event-codes */
export type AsciicastEventCode =
  /** output: what the terminal printed */
  | 'o'
  /** input: what the user typed */
  | 'i'
  /** resize: data is `COLSxROWS` */
  | 'r'
  /** marker: data is a label, a point to jump to */
  | 'm';

/** `[seconds since the start, code, data]`. */
export type AsciicastEvent = [time: number, code: AsciicastEventCode, data: string];

export interface Asciicast {
  header: AsciicastHeader;
  events: AsciicastEvent[];
}

const EVENT_CODES: ReadonlySet<string> = new Set(['o', 'i', 'r', 'm']);

/** The header as its line, newline included. */
export function asciicastHeaderLine(header: AsciicastHeader): string {
  return `${JSON.stringify(header)}\n`;
}

/** One event as its line, newline included; the time keeps at most 6 decimals (microseconds), as the spec does. */
export function asciicastEventLine(time: number, code: AsciicastEventCode, data: string): string {
  return `${JSON.stringify([Math.round(time * 1e6) / 1e6, code, data])}\n`;
}

/**
 * Reads a whole recording. A final line without its newline that does not parse is a write cut short by a
 * crash and is dropped; anything else malformed throws an error naming the line.
 *
 * @example
 * const { header, events } = parseAsciicast('{"version":2,"width":80,"height":24}\n[0.5,"o","hi"]\n');
 */
export function parseAsciicast(text: string): Asciicast {
  const lines = text.split('\n');
  // The writer ends every line with "\n": a last line without one may be a write cut short.
  const unterminated = lines.pop() ?? '';
  let header: AsciicastHeader | undefined;
  const events: AsciicastEvent[] = [];
  const take = (line: string, number: number) => {
    if (line.trim() === '') return;
    if (header === undefined) header = parseHeader(line, number);
    else events.push(parseEvent(line, number));
  };
  lines.forEach((line, index) => {
    take(line, index + 1);
  });
  try {
    take(unterminated, lines.length + 1);
  } catch (error) {
    if (header === undefined) throw error;
  }
  if (header === undefined) throw new Error('asciicast: empty, no header line');
  return { header, events };
}

function parseJson(line: string, number: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`asciicast line ${number}: not JSON: ${preview(line)}`);
  }
}

function parseHeader(line: string, number: number): AsciicastHeader {
  const value = parseJson(line, number);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`asciicast line ${number}: the header must be a JSON object`);
  }
  const header = value as Record<string, unknown>;
  if (header.version !== 2) {
    throw new Error(
      `asciicast line ${number}: unsupported version ${JSON.stringify(header.version)}, expected 2`,
    );
  }
  for (const field of ['width', 'height'] as const) {
    const size = header[field];
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
      throw new Error(`asciicast line ${number}: header ${field} must be a non-negative integer`);
    }
  }
  return header as unknown as AsciicastHeader;
}

function parseEvent(line: string, number: number): AsciicastEvent {
  const value = parseJson(line, number);
  if (!Array.isArray(value) || value.length !== 3) {
    throw new Error(`asciicast line ${number}: an event must be [time, code, data]: ${preview(line)}`);
  }
  const [time, code, data] = value as unknown[];
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) {
    throw new Error(`asciicast line ${number}: event time must be a non-negative number of seconds`);
  }
  if (typeof code !== 'string' || !EVENT_CODES.has(code)) {
    throw new Error(`asciicast line ${number}: unknown event code ${JSON.stringify(code)}`);
  }
  if (typeof data !== 'string') throw new Error(`asciicast line ${number}: event data must be a string`);
  return [time, code as AsciicastEventCode, data];
}

function preview(line: string): string {
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
}
