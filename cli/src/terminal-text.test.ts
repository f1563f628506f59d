import { describe, expect, it } from 'vitest';
import { terminalSafeJson, visible } from './terminal-text.js';

describe('visible', () => {
  it('leaves ordinary text, Unicode included, as it is', () => {
    for (const text of ['alice@acme.dev', 'naïve café ✓ 日本', 'C:\\path\\x1b', '']) {
      expect(visible(text)).toBe(text);
    }
  });

  it('escapes C0, DEL and C1 controls so no terminal acts on them', () => {
    expect(visible('root\u001b]52;c;aWQ=\u0007')).toBe('root\\x1b]52;c;aWQ=\\x07');
    expect(visible('a\nb\rc\td')).toBe('a\\nb\\rc\\td');
    expect(visible('\u0000\u0005\u007f\u009b6n\u0090q')).toBe('\\x00\\x05\\x7f\\x9b6n\\x90q');
  });

  it('escapes line separators and bidirectional overrides, which change what is displayed', () => {
    expect(visible('admin\u202etxt.exe\u2028x\u2066')).toBe('admin\\u202etxt.exe\\u2028x\\u2066');
  });

  it('leaves no control character in any output, over every 16-bit code unit', () => {
    let all = '';
    for (let code = 0; code < 0x10000; code++) all += String.fromCharCode(code);
    const out = visible(all);
    for (let i = 0; i < out.length; i++) {
      const code = out.charCodeAt(i);
      expect(code < 0x20 || (code >= 0x7f && code <= 0x9f), `U+${code.toString(16)}`).toBe(false);
    }
  });
});

describe('terminalSafeJson', () => {
  it('keeps the JSON value and escapes what JSON.stringify leaves raw', () => {
    const value = { reason: 'x\u001b[6n\u009b6n\u202e\u2028\u007f', n: [1, 2] };
    const json = terminalSafeJson(JSON.stringify(value, null, 2));
    expect(JSON.parse(json)).toEqual(value);
    expect(json).toContain('\\u009b6n\\u202e\\u2028\\u007f');
    expect(json).not.toMatch(/[\u007f-\u009f\u202e\u2028]/);
    expect(json).not.toContain('\u001b');
  });
});
