/**
 * What `border0 session replay` writes to the admin's terminal: the recorded output with every control
 * sequence that acts outside the screen removed. A recording holds whatever the upstream (or the user on it)
 * printed, and a terminal obeys more than drawing: OSC 52 writes the clipboard, OSC 0/1/2 retitle the window,
 * OSC 8 makes links, DCS/APC/PM/SOS strings drive terminal features, ENQ and queries such as `ESC[6n`,
 * `ESC[c` or `ESC[21t` make the terminal answer as if the admin had typed it, and mode switches (mouse
 * tracking, bracketed paste, application keys, 8-bit controls) change the admin's terminal after the replay.
 *
 * Kept: text, the C0 controls that move within the screen (BS HT LF VT FF CR, BEL, SO/SI), SGR colours,
 * cursor movement, erasing and scrolling, charset designation, and the screen modes in DEC_MODES (alternate
 * screen, cursor visibility, autowrap...). Everything else is an allow-list miss and is dropped whole.
 *
 * Sequences are parsed as a VT500-style state machine, so a sequence split across two writes is recognised
 * (state is kept between `push` calls). Memory is bounded: strings are discarded as they stream, and a
 * control sequence longer than MAX_SEQUENCE is dropped.
 * https://vt100.net/emu/dec_ansi_parser, https://invisible-island.net/xterm/ctlseqs/ctlseqs.html
 */

const ESC = '\u001b';
const MAX_SEQUENCE = 64;

/** DEC private modes (`CSI ? n h/l`) that only change how the screen is drawn. */
const DEC_MODES = new Set([
  '5', // reverse video
  '6', // origin mode
  '7', // autowrap
  '12', // blinking cursor
  '25', // cursor visible
  '47', // alternate screen
  '69', // left and right margins
  '1047', // alternate screen
  '1048', // save cursor
  '1049', // alternate screen with saved cursor
  '2026', // synchronized output
]);
/** ANSI modes (`CSI n h/l`) that only change how the screen is drawn. */
const ANSI_MODES = new Set(['4']); // insert mode
/**
 * Final bytes of CSI sequences without a private marker that draw: cursor movement, erase, insert and delete,
 * scroll, tabs, SGR, scroll margins, save and restore cursor. Not here, among others: n (device status),
 * c (device attributes), t (window operations and reports), x, q, p, i (printer), y.
 */
const SCREEN_CSI = new Set('@ABCDEFGHIJKLMPSTXZ`abdefgmrsu');
/** Final bytes of CSI sequences with `?` that draw: selective erase. */
const SCREEN_PRIVATE_CSI = new Set('JK');
/** Two-byte escape sequences that draw: save/restore cursor, index, next line, tab set, reverse index. */
const SCREEN_ESC = new Set('78DEHM');
/** Intermediates of escape sequences that draw: charset designation (G0-G3) and line size (`#`). */
const SCREEN_ESC_INTERMEDIATES = new Set(['(', ')', '*', '+', '-', '.', '/', '#']);
/** C0 controls that act on the screen only; the others (ENQ above all: answer-back) are dropped. */
const SCREEN_C0 = new Set('\u0007\b\t\n\u000b\f\r\u000e\u000f');
/** RIS (ESC c) resets the whole terminal; what it does to the screen is this. */
const SCREEN_RESET = `${ESC}[0m${ESC}[H${ESC}[2J`;

type State = 'ground' | 'escape' | 'csi' | 'string' | 'string-escape';

export class ScreenFilter {
  #state: State = 'ground';
  /** The sequence being read: intermediates after ESC, or everything after CSI. */
  #sequence = '';
  #tooLong = false;

  /** The filtered form of the next piece of output; a sequence it ends inside of completes in a later push. */
  push(text: string): string {
    let out = '';
    for (let i = 0; i < text.length; i++) out += this.#take(text[i]!);
    return out;
  }

  /**
   * What puts back the terminal state that the kept sequences may have changed and that outlives a replay
   * (colours, the character set, a hidden cursor, a scroll region), to write at the end.
   */
  end(): string {
    this.#state = 'ground';
    return `${ESC}[0m\u000f${ESC}(B${ESC}[?25h${ESC}7${ESC}[r${ESC}8`;
  }

  #take(c: string): string {
    const code = c.charCodeAt(0);
    switch (this.#state) {
      case 'ground':
        return this.#ground(c, code);
      case 'escape':
        return this.#escape(c, code);
      case 'csi':
        return this.#csi(c, code);
      case 'string':
        return this.#string(c, code);
      case 'string-escape':
        // ESC \ is the string terminator; ESC and anything else ends the string and starts a sequence.
        if (c === '\\') {
          this.#state = 'ground';
          return '';
        }
        this.#begin('escape');
        return this.#escape(c, code);
    }
  }

  #begin(state: State): void {
    this.#state = state;
    this.#sequence = '';
    this.#tooLong = false;
  }

  #ground(c: string, code: number): string {
    if (c === ESC) {
      this.#begin('escape');
      return '';
    }
    if (code < 0x20) return SCREEN_C0.has(c) ? c : '';
    if (code === 0x7f) return '';
    if (code >= 0x80 && code <= 0x9f) {
      // C1 controls as characters: some terminals read U+009B as CSI, U+009D as OSC...
      if (code === 0x9b) this.#begin('csi');
      else if (code === 0x90 || code === 0x98 || code === 0x9d || code === 0x9e || code === 0x9f)
        this.#begin('string');
      return '';
    }
    return c;
  }

  /** A C0 control inside a sequence acts at once (CAN and SUB cancel the sequence, ESC restarts it). */
  #controlInside(c: string): string {
    if (c === ESC) {
      this.#begin('escape');
      return '';
    }
    if (c === '\u0018' || c === '\u001a') {
      this.#state = 'ground';
      return '';
    }
    return SCREEN_C0.has(c) ? c : '';
  }

  #escape(c: string, code: number): string {
    if (code < 0x20) return this.#controlInside(c);
    if (code >= 0x20 && code <= 0x2f) {
      this.#sequence += c;
      if (this.#sequence.length > 4) this.#state = 'ground';
      return '';
    }
    if (code === 0x7f) return '';
    if (code > 0x7e) {
      this.#state = 'ground';
      return this.#ground(c, code);
    }
    const intermediates = this.#sequence;
    if (intermediates === '') {
      if (c === '[') {
        this.#begin('csi');
        return '';
      }
      if (c === ']' || c === 'P' || c === '_' || c === '^' || c === 'X') {
        this.#begin('string');
        return '';
      }
    }
    this.#state = 'ground';
    if (intermediates === '') {
      if (c === 'c') return SCREEN_RESET;
      return SCREEN_ESC.has(c) ? ESC + c : '';
    }
    // Charset designation (ESC ( B) and line size (ESC # 8); never ESC SP G (8-bit controls) nor ESC % G.
    if (intermediates.length === 1 && SCREEN_ESC_INTERMEDIATES.has(intermediates)) {
      return ESC + intermediates + c;
    }
    return '';
  }

  #csi(c: string, code: number): string {
    if (code < 0x20) return this.#controlInside(c);
    if (code >= 0x20 && code <= 0x3f) {
      if (this.#sequence.length >= MAX_SEQUENCE) this.#tooLong = true;
      else this.#sequence += c;
      return '';
    }
    if (code === 0x7f) return '';
    if (code > 0x7e) {
      this.#state = 'ground';
      return this.#ground(c, code);
    }
    this.#state = 'ground';
    if (this.#tooLong) return '';
    const kept = screenCsi(this.#sequence, c);
    return kept === undefined ? '' : `${ESC}[${kept}${c}`;
  }

  #string(c: string, code: number): string {
    if (c === ESC) this.#state = 'string-escape';
    // BEL ends OSC; ST (U+009C) ends them all; CAN and SUB cancel.
    else if (code === 0x07 || code === 0x9c || code === 0x18 || code === 0x1a) this.#state = 'ground';
    return '';
  }
}

/** The parameters to keep of a CSI sequence ending in `final`, or undefined to drop it. */
function screenCsi(sequence: string, final: string): string | undefined {
  const match = /^([<=>?]?)([0-9:;]*)$/.exec(sequence);
  // Intermediates (DECSCUSR `SP q`, DECRQM `$p`, DECSTR `!p`...) or a misplaced marker: dropped.
  if (!match) return undefined;
  const [, marker, params] = match as unknown as [string, string, string];
  if (final === 'h' || final === 'l') {
    const allowed = marker === '?' ? DEC_MODES : marker === '' ? ANSI_MODES : undefined;
    if (!allowed) return undefined;
    const modes = params.split(';').filter((mode) => allowed.has(mode));
    return modes.length === 0 ? undefined : `${marker}${modes.join(';')}`;
  }
  if (marker === '?') return SCREEN_PRIVATE_CSI.has(final) ? sequence : undefined;
  if (marker !== '' || !SCREEN_CSI.has(final)) return undefined;
  // ED 3 erases the admin's own scrollback; SD with five parameters starts xterm's mouse highlighting.
  if (final === 'J' && params.split(';').includes('3')) return undefined;
  if (final === 'T' && params.includes(';')) return undefined;
  return sequence;
}
