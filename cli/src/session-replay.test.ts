import { describe, expect, it } from 'vitest';
import { linesOf, playCast } from './session-replay.js';

async function* each(lines: string[]) {
  yield* lines;
}

const cast = [
  '{"version":2,"width":80,"height":24}',
  '[0.5,"o","$ "]',
  '[0.6,"r","100x30"]',
  '[10.5,"o","ls\\r\\n"]',
  '[11,"o","a  b\\r\\n"]',
];

describe('playCast', () => {
  it('writes output events in order, waiting as recorded with long pauses shortened', async () => {
    const written: string[] = [];
    const waits: number[] = [];
    await playCast(
      each(cast),
      (d) => written.push(d),
      { speed: 1, maxIdle: 2, toEnd: false },
      async (ms) => {
        waits.push(Math.round(ms));
      },
    );
    expect(written).toEqual(['$ ', 'ls\r\n', 'a  b\r\n']);
    expect(waits).toEqual([500, 2000, 500]);
  });

  it('plays faster, or all at once', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(Math.round(ms));
    };
    await playCast(each(cast), () => {}, { speed: 4, maxIdle: 2, toEnd: false }, sleep);
    expect(waits).toEqual([125, 500, 125]);
    waits.length = 0;
    await playCast(each(cast), () => {}, { speed: 1, maxIdle: 2, toEnd: true }, sleep);
    expect(waits).toEqual([]);
  });

  it('names the damaged line, and refuses what is not asciicast v2', async () => {
    const damaged = [cast[0]!, '[0.5,"o",'];
    await expect(playCast(each(damaged), () => {}, { speed: 1, maxIdle: 2, toEnd: true })).rejects.toThrow(
      /line 2/,
    );
    await expect(
      playCast(each(['{"version":1}']), () => {}, { speed: 1, maxIdle: 2, toEnd: true }),
    ).rejects.toThrow(/asciicast v2/);
  });
});

describe('linesOf', () => {
  it('splits a byte stream into lines, with characters split across chunks intact', async () => {
    const bytes = new TextEncoder().encode('{"a":"é"}\n["x"]\nlast');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.subarray(i, i + 3));
        controller.close();
      },
    });
    const lines: string[] = [];
    for await (const line of linesOf(stream)) lines.push(line);
    expect(lines).toEqual(['{"a":"é"}', '["x"]', 'last']);
  });
});
