/**
 * Secret references and the tunnel channel that resolves them.
 *
 * A socket's credential may be a reference, `${from:env:NAME}` or `${from:file:PATH}`, to a secret that only
 * the connector serving the socket can read. When a proxy needs one, it opens a tunnel channel to the socket
 * whose origin address is {@link SECRET_CHANNEL_ORIGIN} (never an IP address, so never a client's), sends one
 * JSON line `{"reference": "..."}` and reads one JSON line back: `{"value": "..."}` or `{"error": "..."}`.
 * The connector answers only for references its control plane configured on that very socket.
 */

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
