/** AsciicastWriter: chunks the sink receives, their timing, their order, and what happens when it fails. */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AsciicastEvent, parseAsciicast } from './asciicast.js';
import { type AsciicastSink, AsciicastWriter } from './asciicast-writer.js';

const HEADER = { width: 80, height: 24, timestamp: 1_700_000_000, env: { TERM: 'xterm-256color' } };
const bytes = (text: string) => new TextEncoder().encode(text);

/** A sink that keeps every chunk it is given. */
function memorySink() {
  const chunks: { seq: number; text: string }[] = [];
  const sink: AsciicastSink = async (seq, data) => {
    chunks.push({ seq, text: new TextDecoder().decode(data) });
  };
  return { sink, chunks, cast: () => parseAsciicast(chunks.map((chunk) => chunk.text).join('')) };
}

/** A clock the test moves by hand. */
function manualClock() {
  let now = 0;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('AsciicastWriter', () => {
  it('records output, input, resizes and markers that read back as the same cast', async () => {
    const clock = manualClock();
    const { sink, chunks, cast } = memorySink();
    const writer = new AsciicastWriter({ header: { ...HEADER, title: 'web-1' }, sink, now: clock.now });
    clock.advance(100);
    writer.output(bytes('$ '));
    clock.advance(400.0004);
    writer.input(bytes('ls\r'));
    clock.advance(500);
    writer.resize(120, 40);
    writer.marker('listing');
    writer.output(bytes('a.txt\r\n'));
    await writer.close();
    expect(chunks.map((chunk) => chunk.seq)).toEqual([0]);
    expect(chunks[0]!.text.startsWith('{"version":2,"width":80,"height":24,"timestamp":1700000000')).toBe(
      true,
    );
    expect(cast()).toEqual({
      header: { version: 2, ...HEADER, title: 'web-1' },
      events: [
        [0.1, 'o', '$ '],
        [0.5, 'i', 'ls\r'],
        [1, 'r', '120x40'],
        [1, 'm', 'listing'],
        [1, 'o', 'a.txt\r\n'],
      ],
    });
  });

  it('sends the header as chunk 0 even when the session printed nothing', async () => {
    const { sink, chunks, cast } = memorySink();
    await new AsciicastWriter({ header: HEADER, sink }).close();
    expect(chunks.map((chunk) => chunk.seq)).toEqual([0]);
    expect(cast().events).toEqual([]);
  });

  it('keeps a UTF-8 character split between two reads whole, wherever the split falls', async () => {
    const text = 'é → 日本 🎉 ok';
    const encoded = bytes(text);
    for (let split = 0; split <= encoded.length; split++) {
      const { sink, cast } = memorySink();
      const writer = new AsciicastWriter({ header: HEADER, sink });
      writer.output(encoded.subarray(0, split));
      writer.output(encoded.subarray(split));
      await writer.close();
      const output = cast()
        .events.map(([, , data]) => data)
        .join('');
      expect(output).toBe(text);
    }
  });

  it('turns a character cut off by the end of the session into U+FFFD', async () => {
    const { sink, cast } = memorySink();
    const writer = new AsciicastWriter({ header: HEADER, sink });
    writer.output(bytes('ok 🎉').subarray(0, 5));
    await writer.close();
    expect(cast().events.map(([, , data]) => data)).toEqual(['ok ', '\uFFFD']);
  });

  it('flushes buffered events after flushIntervalMs, and stays quiet while idle', async () => {
    vi.useFakeTimers();
    const { sink, chunks } = memorySink();
    const writer = new AsciicastWriter({ header: HEADER, sink, now: Date.now, flushIntervalMs: 1000 });
    writer.output(bytes('one'));
    await vi.advanceTimersByTimeAsync(999);
    expect(chunks).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(chunks.map((chunk) => chunk.seq)).toEqual([0]);
    expect(chunks[0]!.text).toContain('"one"');

    await vi.advanceTimersByTimeAsync(5000);
    expect(chunks).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);

    writer.output(bytes('two'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(chunks.map((chunk) => chunk.seq)).toEqual([0, 1]);
    expect(chunks[1]!.text).toBe('[6,"o","two"]\n');
    await writer.close();
  });

  it('flushes at once when the buffer reaches maxChunkBytes, keeping whole lines in each chunk', async () => {
    vi.useFakeTimers();
    const { sink, chunks, cast } = memorySink();
    const writer = new AsciicastWriter({ header: HEADER, sink, now: Date.now, maxChunkBytes: 64 * 1024 });
    const big = 'x'.repeat(40 * 1024);
    writer.output(bytes(big));
    writer.output(bytes(big));
    await vi.advanceTimersByTimeAsync(0);
    expect(chunks.map((chunk) => chunk.seq)).toEqual([0]);
    expect(chunks[0]!.text.endsWith('\n')).toBe(true);
    await writer.close();
    expect(cast().events).toHaveLength(2);
  });

  it('hands events to the sink within a quarter of a second by default (a crash loses little)', async () => {
    vi.useFakeTimers();
    const { sink, chunks } = memorySink();
    const writer = new AsciicastWriter({ header: HEADER, sink, now: Date.now });
    await vi.advanceTimersByTimeAsync(250);
    expect(chunks.map((chunk) => chunk.seq)).toEqual([0]);
    writer.output(bytes('tick'));
    await vi.advanceTimersByTimeAsync(249);
    expect(chunks).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(chunks.map((chunk) => chunk.seq)).toEqual([0, 1]);
    expect(chunks[1]!.text).toContain('"tick"');
    await writer.close();
  });

  it('keeps at most maxInFlight sink calls under way, started in seq order, none waiting on a slow one', async () => {
    const calls: { seq: number; done: () => void }[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const sink: AsciicastSink = (seq) =>
      new Promise<void>((resolve) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        calls.push({
          seq,
          done: () => {
            inFlight--;
            resolve();
          },
        });
      });
    const writer = new AsciicastWriter({ header: HEADER, sink, maxChunkBytes: 16, maxInFlight: 2 });
    for (const word of ['first output', 'second output', 'third output']) writer.output(bytes(word));
    let closed = false;
    const closing = writer.close().then(() => {
      closed = true;
    });
    // Chunks 0 and 1 travel together; 2 starts when one of them is done, even the later one.
    await vi.waitFor(() => expect(calls.map((call) => call.seq)).toEqual([0, 1]));
    calls[1]!.done();
    await vi.waitFor(() => expect(calls.map((call) => call.seq)).toEqual([0, 1, 2]));
    calls[2]!.done();
    await vi.waitFor(() => expect(calls.map((call) => call.seq)).toEqual([0, 1, 2, 3]));
    calls[3]!.done();
    await new Promise((resolve) => setImmediate(resolve));
    // close() resolves only when every chunk is done with, the slow first one included.
    expect(closed).toBe(false);
    calls[0]!.done();
    await closing;
    expect(maxInFlight).toBe(2);
  });

  it('retries a failing sink with backoff, then reports the chunk through onError and goes on', async () => {
    vi.useFakeTimers();
    const attempts: number[] = [];
    let failing = true;
    const sink: AsciicastSink = async (seq) => {
      attempts.push(seq);
      if (failing) throw new Error('503 from the API');
    };
    const onError = vi.fn();
    const writer = new AsciicastWriter({
      header: HEADER,
      sink,
      now: Date.now,
      onError,
      retryDelayMs: 100,
      flushIntervalMs: 1000,
    });
    expect(() => writer.output(bytes('lost'))).not.toThrow();
    await vi.advanceTimersByTimeAsync(1000);
    expect(attempts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(100 + 200);
    expect(attempts).toEqual([0, 0, 0]);
    expect(onError).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(400);
    expect(attempts).toEqual([0, 0, 0, 0]);
    expect(onError).toHaveBeenCalledOnce();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: '503 from the API' }), 0);

    failing = false;
    writer.output(bytes('kept'));
    await writer.close();
    expect(attempts).toEqual([0, 0, 0, 0, 1]);
  });

  it('stores a chunk that failed only a few times, without calling onError', async () => {
    vi.useFakeTimers();
    let failures = 2;
    const { sink: store, chunks } = memorySink();
    const sink: AsciicastSink = (seq, data) => {
      // A synchronous throw counts as a failure too.
      if (failures-- > 0) throw new Error('timeout');
      return store(seq, data);
    };
    const onError = vi.fn();
    const writer = new AsciicastWriter({ header: HEADER, sink, now: Date.now, onError });
    writer.output(bytes('hello'));
    const closed = writer.close();
    await vi.runAllTimersAsync();
    await closed;
    expect(chunks.map((chunk) => chunk.seq)).toEqual([0]);
    expect(onError).not.toHaveBeenCalled();
  });

  it('stops its timer on close, ignores events after it, and returns the same promise twice', async () => {
    vi.useFakeTimers();
    const { sink, chunks } = memorySink();
    const writer = new AsciicastWriter({ header: HEADER, sink, now: Date.now });
    writer.output(bytes('bye'));
    expect(vi.getTimerCount()).toBe(1);
    const closed = writer.close();
    expect(writer.close()).toBe(closed);
    await closed;
    expect(vi.getTimerCount()).toBe(0);
    writer.output(bytes('late'));
    writer.marker('late');
    expect(vi.getTimerCount()).toBe(0);
    expect(chunks.map((chunk) => chunk.text).join('')).not.toContain('late');
  });

  it('does not keep the process alive while waiting to flush', async () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const { sink } = memorySink();
    const writer = new AsciicastWriter({ header: HEADER, sink });
    writer.output(bytes('x'));
    const timer = setTimeoutSpy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    await writer.close();
  });

  it('refuses a negative or fractional terminal size', () => {
    const writer = new AsciicastWriter({ header: HEADER, sink: async () => {} });
    expect(() => writer.resize(-1, 24)).toThrow(RangeError);
    expect(() => writer.resize(80, 2.5)).toThrow(RangeError);
    void writer.close();
  });
});

type Operation =
  | { kind: 'output' | 'input'; text: string; splits: number[] }
  | { kind: 'resize'; cols: number; rows: number }
  | { kind: 'marker'; label: string }
  | { kind: 'wait'; ms: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('output' as const, 'input' as const),
    text: fc.string({ unit: 'binary', maxLength: 40 }),
    splits: fc.array(fc.nat({ max: 200 }), { maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('resize' as const), cols: fc.nat({ max: 500 }), rows: fc.nat({ max: 200 }) }),
  fc.record({ kind: fc.constant('marker' as const), label: fc.string({ maxLength: 10 }) }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.double({ min: 0, max: 5000, noNaN: true }) }),
);

/** Cuts bytes at the given offsets, as a socket would. */
function cut(data: Uint8Array, offsets: number[]): Uint8Array[] {
  const points = [...new Set(offsets.map((offset) => offset % (data.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, data.length]) {
    parts.push(data.subarray(start, point));
    start = point;
  }
  return parts;
}

describe('AsciicastWriter (property)', () => {
  it('writes chunks whose every prefix parses, and whose whole is exactly what happened', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(operation, { maxLength: 40 }),
        fc.integer({ min: 1, max: 300 }),
        async (operations, maxChunkBytes) => {
          const clock = manualClock();
          const { sink, chunks } = memorySink();
          const writer = new AsciicastWriter({ header: HEADER, sink, now: clock.now, maxChunkBytes });
          const expected = { o: '', i: '', other: [] as string[] };
          for (const op of operations) {
            if (op.kind === 'wait') clock.advance(op.ms);
            else if (op.kind === 'resize') {
              writer.resize(op.cols, op.rows);
              expected.other.push(`r:${op.cols}x${op.rows}`);
            } else if (op.kind === 'marker') {
              writer.marker(op.label);
              if (op.label !== '') expected.other.push(`m:${op.label}`);
            } else {
              const encoded = bytes(op.text);
              for (const part of cut(encoded, op.splits)) writer[op.kind](part);
              // What UTF-8 can carry: a lone surrogate becomes U+FFFD on the way.
              expected[op.kind === 'output' ? 'o' : 'i'] += new TextDecoder().decode(encoded);
            }
          }
          await writer.close();

          expect(chunks.map((chunk) => chunk.seq)).toEqual(chunks.map((_, index) => index));
          for (let end = 1; end <= chunks.length; end++) {
            const prefix = chunks.slice(0, end).map((chunk) => chunk.text);
            expect(prefix.join('').endsWith('\n')).toBe(true);
            parseAsciicast(prefix.join(''));
          }
          const { events } = parseAsciicast(chunks.map((chunk) => chunk.text).join(''));
          const data = (code: string) =>
            events
              .filter(([, c]) => c === code)
              .map(([, , d]) => d)
              .join('');
          expect(data('o')).toBe(expected.o);
          expect(data('i')).toBe(expected.i);
          expect(events.filter(([, c]) => c === 'r' || c === 'm').map(([, c, d]) => `${c}:${d}`)).toEqual(
            expected.other,
          );
          const times = events.map(([time]: AsciicastEvent) => time);
          expect(times).toEqual([...times].sort((a, b) => a - b));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('AsciicastWriter under a slow sink', () => {
  it('drops and reports chunks beyond the queue bound instead of growing', async () => {
    const stored: number[] = [];
    const lost: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const writer = new AsciicastWriter({
      header: { width: 80, height: 24 },
      sink: async (seq) => {
        await gate;
        stored.push(seq);
      },
      maxChunkBytes: 1024,
      maxQueuedBytes: 4096,
      onError: (_error, seq) => lost.push(seq),
    });
    for (let i = 0; i < 40; i++) writer.output(new TextEncoder().encode('x'.repeat(1000)));
    release();
    await writer.close();
    expect(lost.length).toBeGreaterThan(0);
    expect(stored.length).toBeLessThanOrEqual(5);
    expect([...stored, ...lost].sort((a, b) => a - b)).toEqual(
      [...new Set([...stored, ...lost])].sort((a, b) => a - b),
    );
  });
});
