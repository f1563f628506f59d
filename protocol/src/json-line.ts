/**
 * One JSON object per line: the small handshakes of the data plane (a secret request and its answer, a data
 * connection's hello and what it is for) before a stream carries anything else.
 */
import type { Duplex } from 'node:stream';

/**
 * Reads one `\n`-terminated JSON object from `stream`. Rejects when the line is longer than `limit`, is not
 * a JSON object, the stream ends first, or `timeoutMs` passes. Bytes after the line stay in the stream for
 * its next reader (read in paused mode, so nothing flows away meanwhile).
 */
export function readJsonLine(
  stream: Duplex,
  limit: number,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (error: Error | undefined, value?: Record<string, unknown>) => {
      clearTimeout(timer);
      // With no 'readable' listener left, the stream is neither flowing nor paused: a later 'data' listener
      // or pipe starts it.
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onEnd);
      if (error) reject(error);
      else resolve(value!);
    };
    const onReadable = () => {
      for (
        let chunk = stream.read() as Buffer | null;
        chunk !== null;
        chunk = stream.read() as Buffer | null
      ) {
        const newline = chunk.indexOf(10);
        const part = newline === -1 ? chunk : chunk.subarray(0, newline);
        length += part.length;
        if (length > limit) return finish(new Error(`line longer than ${limit} bytes`));
        chunks.push(part);
        if (newline === -1) continue;
        if (newline + 1 < chunk.length) stream.unshift(chunk.subarray(newline + 1));
        let value: unknown;
        try {
          value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return finish(new Error('line is not JSON'));
        }
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          return finish(new Error('line is not a JSON object'));
        }
        return finish(undefined, value as Record<string, unknown>);
      }
    };
    const onEnd = () => finish(new Error('stream ended before a whole line'));
    const onError = (error: Error) => finish(error);
    // Infinity: wait as long as the stream lives (an idle data connection waits for its request).
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      : undefined;
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.once('error', onError);
  });
}

/** Writes `value` as one JSON line. */
export function writeJsonLine(stream: Duplex, value: Record<string, unknown>): void {
  stream.write(`${JSON.stringify(value)}\n`);
}
