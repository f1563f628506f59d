/** JSON lines are read within their limits, whatever the chunks, and leave what follows them. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duplexPair } from './duplex-pair.js';
import { readJsonLine } from './json-line.js';

describe('readJsonLine', () => {
  it('reads one object however the bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string(), fc.string()), fc.nat(200), async (value, cut) => {
        const [a, b] = duplexPair();
        const line = Buffer.from(`${JSON.stringify(value)}\n`);
        const read = readJsonLine(b, 1 << 20, 1_000);
        const at = Math.min(cut, line.length);
        a.write(line.subarray(0, at));
        a.write(line.subarray(at));
        expect(await read).toEqual(value);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses garbage, overlong lines, early ends and silence', async () => {
    const attempt = async (send: (a: ReturnType<typeof duplexPair>[0]) => void, timeoutMs = 1_000) => {
      const [a, b] = duplexPair();
      const read = readJsonLine(b, 64, timeoutMs);
      send(a);
      return read.then(
        () => 'resolved',
        (error: Error) => error.message,
      );
    };
    expect(await attempt((a) => a.write('not json\n'))).toBe('line is not JSON');
    expect(await attempt((a) => a.write('[1,2]\n'))).toBe('line is not a JSON object');
    expect(await attempt((a) => a.write(`"${'x'.repeat(100)}"\n`))).toBe('line longer than 64 bytes');
    expect(await attempt((a) => a.end('{"a":'))).toBe('stream ended before a whole line');
    expect(await attempt(() => {}, 50)).toBe('no answer within 50 ms');
  });

  it('leaves the bytes after the line in the stream, for the next reader', async () => {
    const [a, b] = duplexPair();
    const read = readJsonLine(b, 64, 1_000);
    a.write('{"ok":true}\nSSH-2.0-upstream\r\n');
    expect(await read).toEqual({ ok: true });
    const rest = await new Promise<Buffer>((resolve) => b.once('data', resolve));
    expect(rest.toString()).toBe('SSH-2.0-upstream\r\n');
  });
});
