/**
 * The border0 client's ALPN protocol: before any byte of the socket's own traffic, the proxy sends one status
 * line, so the client can say why it was refused. Other TLS clients get the raw stream and, when refused, a
 * closed connection.
 */
export const CLIENT_ALPN = 'border0-client';

/** `OK <session id>` or `DENIED <reason>`, one line. */
export function statusLine(allowed: boolean, detail: string): string {
  return `${allowed ? 'OK' : 'DENIED'} ${detail.replace(/[\r\n]+/g, ' ')}\n`;
}

/** Reads the status line from the start of a stream's data; undefined until the newline has arrived. */
export function parseStatusLine(
  buffer: Buffer,
): { allowed: boolean; detail: string; rest: Buffer } | undefined {
  const end = buffer.indexOf(0x0a);
  if (end === -1) return undefined;
  const line = buffer.subarray(0, end).toString('utf8');
  const space = line.indexOf(' ');
  const word = space === -1 ? line : line.slice(0, space);
  return {
    allowed: word === 'OK',
    detail: space === -1 ? '' : line.slice(space + 1),
    rest: buffer.subarray(end + 1),
  };
}
