/**
 * The replay's screen filter: what acts outside the screen is dropped, what draws is kept, sequences split
 * across writes are recognised; checked against a real terminal emulator (@xterm/headless) and by fuzzing.
 */
import xterm from '@xterm/headless';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScreenFilter } from './screen-filter.js';

const ESC = '\u001b';
const BEL = '\u0007';
const ST = `${ESC}\\`;
const filtered = (...chunks: string[]) => {
  const filter = new ScreenFilter();
  return chunks.map((chunk) => filter.push(chunk)).join('');
};

/** Screen output as full-screen programs write it: colours, movement, erase, alternate screen, charsets. */
const SCREEN = [
  `${ESC}[?1049h${ESC}[H${ESC}[2J`,
  `${ESC}[1;31mred bold${ESC}[0m plain ${ESC}[38;5;208morange${ESC}[38:2::10:20:30mrgb${ESC}[m\r\n`,
  `${ESC}[5;10Hat 5,10${ESC}[K${ESC}[2A${ESC}[3Cmoved${ESC}[?25l${ESC}[?25h`,
  `${ESC}(0lqqk${ESC}(B box\r\n${ESC}7${ESC}[10;1Hsaved${ESC}8${ESC}[1P${ESC}[2@${ESC}[3X`,
  `${ESC}[2;20r${ESC}M${ESC}D${ESC}[S${ESC}[T${ESC}[r tab\there\u0008!\r\n${ESC}[?1049l${ESC}[4hins${ESC}[4l`,
].join('');

/** Sequences that act outside the screen: each must vanish whole, leaving the text around it. */
const HOSTILE: [string, string][] = [
  ['OSC 52 clipboard write (BEL)', `${ESC}]52;c;ZWNobyBvd25lZA==${BEL}`],
  ['OSC 52 clipboard write (ST)', `${ESC}]52;c;ZWNobyBvd25lZA==${ST}`],
  ['OSC 52 clipboard query', `${ESC}]52;c;?${BEL}`],
  ['OSC 0 title', `${ESC}]0;rm -rf ~${BEL}`],
  ['OSC 1 icon name', `${ESC}]1;x${BEL}`],
  ['OSC 2 title', `${ESC}]2;x${ST}`],
  ['OSC 8 hyperlink', `${ESC}]8;;https://evil.example/${ST}`],
  ['OSC 4 palette query', `${ESC}]4;1;?${BEL}`],
  ['OSC 10 colour query', `${ESC}]10;?${BEL}`],
  ['OSC 7 working directory', `${ESC}]7;file://host/tmp${BEL}`],
  ['OSC 1337 (iTerm2 file)', `${ESC}]1337;File=inline=1:AAAA${BEL}`],
  ['DCS DECRQSS', `${ESC}P$qm${ST}`],
  ['DCS XTGETTCAP', `${ESC}P+q544e${ST}`],
  ['APC', `${ESC}_Gf=100;AAAA${ST}`],
  ['PM', `${ESC}^private${ST}`],
  ['SOS', `${ESC}Xstring${ST}`],
  ['DSR status', `${ESC}[5n`],
  ['DSR cursor position', `${ESC}[6n`],
  ['DEC DSR', `${ESC}[?6n`],
  ['primary DA', `${ESC}[c`],
  ['primary DA 0', `${ESC}[0c`],
  ['secondary DA', `${ESC}[>c`],
  ['tertiary DA', `${ESC}[=c`],
  ['XTVERSION', `${ESC}[>0q`],
  ['window title report', `${ESC}[21t`],
  ['window size report', `${ESC}[14t`],
  ['window resize', `${ESC}[8;100;300t`],
  ['window iconify', `${ESC}[2t`],
  ['DECREQTPARM', `${ESC}[x`],
  ['DECRQM', `${ESC}[?2004$p`],
  ['DECSTR soft reset', `${ESC}[!p`],
  ['cursor style', `${ESC}[2 q`],
  ['keyboard LEDs', `${ESC}[1q`],
  ['media copy', `${ESC}[5i`],
  ['modifyOtherKeys', `${ESC}[>4;2m`],
  ['kitty keyboard push', `${ESC}[>1u`],
  ['kitty keyboard query', `${ESC}[?u`],
  ['mouse tracking', `${ESC}[?1000h`],
  ['SGR mouse', `${ESC}[?1006h`],
  ['focus events', `${ESC}[?1004h`],
  ['bracketed paste', `${ESC}[?2004h`],
  ['application cursor keys', `${ESC}[?1h`],
  ['132 columns', `${ESC}[?3h`],
  ['local echo off (SRM)', `${ESC}[12h`],
  ['save DEC modes', `${ESC}[?1000s`],
  ['erase scrollback', `${ESC}[3J`],
  ['application keypad', `${ESC}=`],
  ['DECID', `${ESC}Z`],
  ['8-bit controls', `${ESC} G`],
  ['UTF-8 off', `${ESC}%@`],
  ['ENQ', '\u0005'],
  ['NUL', '\u0000'],
  ['C1 CSI DSR', '\u009b6n'],
  ['C1 OSC 52', '\u009d52;c;ZWNobw==\u009c'],
  ['C1 DCS', '\u0090$qm\u009c'],
  ['C1 APC', '\u009fx\u009c'],
];

describe('ScreenFilter', () => {
  it('keeps text, colours, cursor movement, erase, scrolling, charsets and the alternate screen', () => {
    expect(filtered(SCREEN)).toBe(SCREEN);
  });

  it.each(HOSTILE)('drops %s whole', (_name, sequence) => {
    expect(filtered(`before${sequence}after`)).toBe('beforeafter');
  });

  it('keeps the screen modes of a mixed mode switch and drops the others', () => {
    expect(filtered(`${ESC}[?1049;1000;25h`)).toBe(`${ESC}[?1049;25h`);
    expect(filtered(`${ESC}[?1000;2004l`)).toBe('');
  });

  it('drops the link of an OSC 8 hyperlink and keeps its text', () => {
    expect(filtered(`${ESC}]8;;https://evil.example/${ST}click${ESC}]8;;${ST}`)).toBe('click');
  });

  it('turns a full reset into what it does to the screen', () => {
    expect(filtered(`x${ESC}cy`)).toBe(`x${ESC}[0m${ESC}[H${ESC}[2Jy`);
  });

  it('recognises a sequence split across writes at every point', () => {
    const text = `a${ESC}]52;c;ZWNobw==${ST}b${ESC}[6nc${ESC}[1;31md${ESC}P$qm${ST}e\u009b6nf`;
    const whole = filtered(text);
    expect(whole).toBe(`ab${'c'}${ESC}[1;31mdef`);
    for (let i = 0; i <= text.length; i++) {
      expect(filtered(text.slice(0, i), text.slice(i)), `split at ${i}`).toBe(whole);
    }
    expect(filtered(...text)).toBe(whole);
  });

  it('reads a string to its end however long it is, holding none of it', () => {
    const filter = new ScreenFilter();
    expect(filter.push(`x${ESC}]52;c;`)).toBe('x');
    for (let i = 0; i < 1000; i++) expect(filter.push('QUFBQUFB'.repeat(128))).toBe('');
    expect(filter.push(`${BEL}y`)).toBe('y');
  });

  it('drops an overlong control sequence', () => {
    expect(filtered(`a${ESC}[${'1;'.repeat(100)}mb`)).toBe('ab');
  });

  it('ends by restoring colours, charset, cursor and scroll region', () => {
    expect(new ScreenFilter().end()).toBe(`${ESC}[0m\u000f${ESC}(B${ESC}[?25h${ESC}7${ESC}[r${ESC}8`);
  });
});

/** Characters that make sequences: random text over them hits every state of the parser. */
const PIECES = [
  ESC,
  '[',
  ']',
  'P',
  '_',
  '^',
  'X',
  '\\',
  BEL,
  '\u0005',
  '\u0018',
  '\u001a',
  '\u009b',
  '\u009c',
  '\u009d',
  '\u0090',
  '\u009f',
  '?',
  '>',
  '=',
  '<',
  ';',
  ':',
  '$',
  ' ',
  '!',
  '%',
  '#',
  '(',
  '0',
  '1',
  '2',
  '3',
  '5',
  '6',
  '8',
  '52',
  '1049',
  '1000',
  '2004',
  'c',
  'n',
  't',
  'q',
  'h',
  'l',
  'm',
  'u',
  'Z',
  'H',
  'J',
  'a',
  'é',
  '\r\n',
];
const hostileText = fc.array(fc.constantFrom(...PIECES), { maxLength: 80 }).map((parts) => parts.join(''));
const splits = fc.array(fc.nat(), { maxLength: 6 });

/** What must never come out: string introducers, C1 controls, ENQ, and queries a terminal answers. */
const FORBIDDEN = [
  `${ESC}[\\]P_^X]`,
  '[\u0080-\u009f]',
  '\u0005',
  `${ESC}\\[[?>=]?[\\d;]*[nctqxp]`,
  `${ESC}\\[[<=>][\\d;]*[a-zA-Z]`,
  `${ESC}[ %][@-~]`,
  `${ESC}[=>Z]`,
].map((source) => new RegExp(source));

describe('ScreenFilter over random sequences (fast-check)', () => {
  it('never lets a string, a C1 control, ENQ or a query through', () => {
    // Each pattern finds what it looks for in the unfiltered sequences.
    const raw = HOSTILE.map(([, sequence]) => sequence).join('');
    for (const pattern of FORBIDDEN) expect(raw).toMatch(pattern);
    fc.assert(
      fc.property(hostileText, (text) => {
        const out = filtered(text);
        for (const pattern of FORBIDDEN) expect(out).not.toMatch(pattern);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same output however the input is split into writes', () => {
    fc.assert(
      fc.property(hostileText, splits, (text, cuts) => {
        const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((from, i) => text.slice(from, [...points, text.length][i]));
        expect(filtered(...chunks)).toBe(filtered(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves its own output unchanged (nothing it keeps would be dropped later)', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const once = filtered(text);
        expect(filtered(once)).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });
});

/** A real terminal emulator that notes every effect beyond the screen. */
function watchedTerminal() {
  const terminal = new xterm.Terminal({ cols: 80, rows: 24, allowProposedApi: true });
  const effects: string[] = [];
  terminal.onData((data) => effects.push(`answer ${JSON.stringify(data)}`));
  terminal.onBinary((data) => effects.push(`answer ${JSON.stringify(data)}`));
  terminal.onTitleChange((title) => effects.push(`title ${JSON.stringify(title)}`));
  for (let ident = 0; ident < 120; ident++) {
    terminal.parser.registerOscHandler(ident, () => {
      effects.push(`OSC ${ident}`);
      return false;
    });
  }
  terminal.parser.registerOscHandler(1337, () => {
    effects.push('OSC 1337');
    return false;
  });
  const write = (text: string) => new Promise<void>((resolve) => terminal.write(text, resolve));
  const modes = () => {
    const m = terminal.modes;
    const changed = {
      applicationCursorKeys: m.applicationCursorKeysMode,
      applicationKeypad: m.applicationKeypadMode,
      bracketedPaste: m.bracketedPasteMode,
      mouseTracking: m.mouseTrackingMode !== 'none',
      sendFocus: m.sendFocusMode,
    };
    return Object.entries(changed)
      .filter(([, on]) => on)
      .map(([name]) => name);
  };
  const screen = () => {
    const buffer = terminal.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < terminal.rows; y++)
      lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return lines;
  };
  return { terminal, effects, write, modes, screen };
}

describe('ScreenFilter in a real terminal emulator', () => {
  it('the emulator notices every hostile sequence when it is written raw (the check can fail)', async () => {
    const raw = watchedTerminal();
    await raw.write(HOSTILE.map(([, sequence]) => sequence).join(''));
    expect(raw.effects).toEqual(expect.arrayContaining(['OSC 52', 'OSC 8', 'answer "\\u001b[1;1R"']));
    expect(raw.effects.some((e) => e.startsWith('title'))).toBe(true);
    expect(raw.modes()).toEqual(expect.arrayContaining(['mouseTracking', 'bracketedPaste']));
    raw.terminal.dispose();
  });

  it('filtered, hostile sequences have no effect beyond the screen, and the screen is the same', async () => {
    const withHostile = SCREEN.split('\r\n')
      .map((line, i) => line + HOSTILE.map(([, sequence]) => sequence).join(`x${i}`))
      .join('\r\n');
    const plain = SCREEN.split('\r\n')
      .map((line, i) => line + HOSTILE.map(() => '').join(`x${i}`))
      .join('\r\n');
    const safe = watchedTerminal();
    await safe.write(filtered(withHostile));
    expect(safe.effects).toEqual([]);
    expect(safe.modes()).toEqual([]);
    const reference = watchedTerminal();
    await reference.write(plain);
    expect(safe.screen()).toEqual(reference.screen());
    safe.terminal.dispose();
    reference.terminal.dispose();
  });

  it('filtered random sequences never make the emulator answer, retitle or change modes', async () => {
    const safe = watchedTerminal();
    await fc.assert(
      fc.asyncProperty(hostileText, async (text) => {
        await safe.write(filtered(text));
        expect(safe.effects).toEqual([]);
        expect(safe.modes()).toEqual([]);
      }),
      { numRuns: 500 },
    );
    safe.terminal.dispose();
  });
});
