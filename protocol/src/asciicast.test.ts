/** asciicast v2 lines and parsing: https://docs.asciinema.org/manual/asciicast/v2/ */
import { describe, expect, it } from 'vitest';
import { asciicastEventLine, asciicastHeaderLine, parseAsciicast } from './asciicast.js';

const HEADER = '{"version":2,"width":80,"height":24,"timestamp":1700000000,"env":{"TERM":"xterm-256color"}}';

describe('asciicast lines', () => {
  it('writes the header as one JSON line', () => {
    expect(asciicastHeaderLine({ version: 2, width: 80, height: 24, title: 'db-1' })).toBe(
      '{"version":2,"width":80,"height":24,"title":"db-1"}\n',
    );
  });

  it('writes an event with at most 6 decimals of seconds, escaping control characters', () => {
    expect(asciicastEventLine(1.23456789, 'o', 'a\r\n\u001b[0m')).toBe(
      '[1.234568,"o","a\\r\\n\\u001b[0m"]\n',
    );
    expect(asciicastEventLine(0.0000004, 'r', '100x40')).toBe('[0,"r","100x40"]\n');
    expect(asciicastEventLine(2, 'm', 'sudo')).toBe('[2,"m","sudo"]\n');
  });
});

describe('parseAsciicast', () => {
  it('reads the header and every event, skipping blank lines', () => {
    const cast = parseAsciicast(
      `${HEADER}\n[0.1,"o","$ "]\n\n[0.5,"i","l"]\n[1,"r","100x40"]\n[2.25,"m","x"]\n`,
    );
    expect(cast.header).toEqual({
      version: 2,
      width: 80,
      height: 24,
      timestamp: 1700000000,
      env: { TERM: 'xterm-256color' },
    });
    expect(cast.events).toEqual([
      [0.1, 'o', '$ '],
      [0.5, 'i', 'l'],
      [1, 'r', '100x40'],
      [2.25, 'm', 'x'],
    ]);
  });

  it('drops a last line cut short by a crash, and only that line', () => {
    const cast = parseAsciicast(`${HEADER}\n[0.1,"o","one"]\n[0.2,"o","tw`);
    expect(cast.events).toEqual([[0.1, 'o', 'one']]);
  });

  it('keeps a complete last line that merely lacks its newline', () => {
    expect(parseAsciicast(`${HEADER}\n[0.1,"o","one"]`).events).toEqual([[0.1, 'o', 'one']]);
  });

  it('reads a recording that is only its header', () => {
    expect(parseAsciicast(`${HEADER}\n`).events).toEqual([]);
  });

  it.each([
    ['a line that is not JSON', `${HEADER}\n[0.1,"o","a"]\nnot json\n[0.3,"o","c"]\n`, /line 3: not JSON/],
    ['a malformed line that did end with its newline', `${HEADER}\n[0.1,"o","tw\n`, /line 2: not JSON/],
    [
      'an event that is not a triple',
      `${HEADER}\n[0.1,"o"]\n`,
      /line 2: an event must be \[time, code, data\]/,
    ],
    ['an unknown event code', `${HEADER}\n[0.1,"x","a"]\n`, /line 2: unknown event code "x"/],
    ['a negative time', `${HEADER}\n[-1,"o","a"]\n`, /line 2: event time/],
    ['a time that is not a number', `${HEADER}\n["1","o","a"]\n`, /line 2: event time/],
    ['data that is not a string', `${HEADER}\n[1,"o",7]\n`, /line 2: event data must be a string/],
    [
      'a header of another version',
      '{"version":1,"width":80,"height":24}\n',
      /line 1: unsupported version 1/,
    ],
    ['a header without a width', '{"version":2,"height":24}\n', /line 1: header width/],
    ['a header that is an array', '[2,80,24]\n', /line 1: the header must be a JSON object/],
    ['a header cut short', '{"version":2,"wid', /line 1: not JSON/],
    ['an empty text', '', /empty, no header/],
  ])('rejects %s, naming the line', (_, text, error) => {
    expect(() => parseAsciicast(text)).toThrow(error);
  });
});
