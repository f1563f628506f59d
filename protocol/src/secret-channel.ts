/**
 * Secret references and the tunnel channel that resolves them.
 *
 * A socket's credential may be a reference, `${from:env:NAME}` or `${from:file:PATH}`, to a secret that only
 * the connector serving the socket can read. When a proxy needs one, it opens a tunnel channel to the socket
 * whose origin address is {@link SECRET_CHANNEL_ORIGIN} (never an IP address, so never a client's), sends one
 * JSON line `{"reference": "..."}` and reads one JSON line back: `{"value": "..."}` or `{"error": "..."}`.
 * The connector answers only for references its control plane configured on that very socket.
 */
import type { Duplex } from 'node:stream';

/** The origin address that marks a tunnel channel as a secret request instead of a client connection. */
export const SECRET_CHANNEL_ORIGIN = 'border0-secret';

/** Longest request line (a reference is short) and longest answer (a private key fits with room to spare). */
export const SECRET_REQUEST_LIMIT = 4096;
export const SECRET_ANSWER_LIMIT = 256 * 1024;

const REFERENCE = /^\$\{from:(env|file):(.+)\}$/;

export interface SecretReference {
  source: 'env' | 'file';
  /** The variable's name or the file's path. */
  name: string;
}

/** The reference `text` names (surrounding white space ignored), or undefined when it is a secret itself. */
export function parseSecretReference(text: string | null | undefined): SecretReference | undefined {
  const match = REFERENCE.exec(text?.trim() ?? '');
  return match ? { source: match[1] as 'env' | 'file', name: match[2]! } : undefined;
}

/**
 * Reads one `\n`-terminated JSON object from `stream`. Rejects when the line is longer than `limit`, is not
 * a JSON object, the stream ends first, or `timeoutMs` passes. Bytes after the line are not expected.
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
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onEnd);
      if (error) reject(error);
      else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      const newline = chunk.indexOf(10);
      const part = newline === -1 ? chunk : chunk.subarray(0, newline);
      length += part.length;
      if (length > limit) return finish(new Error(`line longer than ${limit} bytes`));
      chunks.push(part);
      if (newline === -1) return;
      let value: unknown;
      try {
        value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return finish(new Error('line is not JSON'));
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return finish(new Error('line is not a JSON object'));
      }
      finish(undefined, value as Record<string, unknown>);
    };
    const onEnd = () => finish(new Error('stream ended before a whole line'));
    const onError = (error: Error) => finish(error);
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.once('error', onError);
  });
}

/** Writes `value` as one JSON line. */
export function writeJsonLine(stream: Duplex, value: Record<string, unknown>): void {
  stream.write(`${JSON.stringify(value)}\n`);
}
