/**
 * A bound on request bodies that clients actually hear about. A body is read into memory up to `maxBytes`
 * (routes and the input guard then read it from there). Past the bound the answer is a 413 with
 * `Connection: close`, sent at once, while the rest of the body is still read and dropped, up to DRAIN_BYTES
 * or DRAIN_MS, before the response ends and the connection closes: closing a socket that still has unread
 * data sends a TCP reset, and a client that gets the reset before it reads the answer sees ECONNRESET
 * instead of the 413 (the "lingering close" of RFC 9112 §9.6).
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';
import { ApiError, sendProblem } from './problem.js';

/** How much of an oversize body is read and dropped, at most, before the connection closes anyway. */
export const DRAIN_BYTES = 16 * 1024 * 1024;
export const DRAIN_MS = 5_000;

export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async function limitBodySize(c, next) {
    const body = c.req.raw.body;
    if (body === null) return next();
    const reader = body.getReader();
    const declared = c.req.header('content-length');
    if (declared !== undefined && !c.req.header('transfer-encoding') && Number(declared) > maxBytes) {
      return tooLarge(c, reader, maxBytes, 0);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) return tooLarge(c, reader, maxBytes, size);
      chunks.push(value);
    }
    c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks) });
    await next();
  };
}

/** The 413, whose body ends only once the request's body was drained (or the drain gave up). */
async function tooLarge(
  c: Context,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBytes: number,
  alreadyRead: number,
): Promise<Response> {
  const problem = sendProblem(
    c,
    new ApiError('payload_too_large', `the body is larger than ${maxBytes} bytes`),
  );
  const bytes = new Uint8Array(await problem.arrayBuffer());
  const drained = drain(reader, DRAIN_BYTES - alreadyRead, DRAIN_MS);
  const headers = new Headers(problem.headers);
  headers.set('content-length', String(bytes.byteLength));
  headers.set('connection', 'close');
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      void drained.then(() => {
        try {
          controller.close();
        } catch {
          // The client went away and the response was cancelled: nothing to end.
        }
      });
    },
  });
  return new Response(stream, { status: 413, headers });
}

/** Reads and drops the rest of a body; resolves when it ended, failed, or passed either bound. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number, maxMs: number) {
  const deadline = Date.now() + maxMs;
  let left = maxBytes;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), maxMs);
  });
  try {
    while (left > 0 && Date.now() < deadline) {
      const next = await Promise.race([reader.read(), timedOut]);
      if (next === 'timeout' || next.done) return;
      left -= next.value.byteLength;
    }
  } catch {
    // The client went away: nothing left to drain.
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
}
