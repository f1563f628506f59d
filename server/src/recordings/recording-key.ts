/**
 * Recording keys and chunk names, the rules every storage backend shares. A key names one recording
 * (`<org id>/<session id>/<recording id>`) and becomes a directory or an object prefix, so it must never climb
 * out of the storage root nor smuggle characters a filesystem or an object store treats specially.
 */

/** Digits in a chunk's sequence number: zero-padded so that lexical order is seq order (10 digits ≈ 300 years at one chunk a second). */
export const SEQ_DIGITS = 10;

const MAX_SEQ = 10 ** SEQ_DIGITS - 1;
const KEY_CHARACTERS = /^[A-Za-z0-9_\-/]+$/;
const CHUNK_NAME = new RegExp(`^\\d{${SEQ_DIGITS}}$`);

/**
 * Throws unless `key` is a relative path of non-empty segments made of `[A-Za-z0-9_-]`.
 *
 * @example
 * assertRecordingKey('org_1/ses_2/rec_3'); // ok
 * assertRecordingKey('../etc/passwd'); // throws
 */
export function assertRecordingKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0)
    throw new Error('recording key must be a non-empty string');
  if (key.includes('..')) throw new Error(`recording key ${JSON.stringify(key)} must not contain ".."`);
  if (key.startsWith('/'))
    throw new Error(`recording key ${JSON.stringify(key)} must be relative, not absolute`);
  if (!KEY_CHARACTERS.test(key)) {
    throw new Error(
      `recording key ${JSON.stringify(key)} may only contain letters, digits, "_", "-" and "/"`,
    );
  }
  if (key.split('/').some((segment) => segment === '')) {
    throw new Error(
      `recording key ${JSON.stringify(key)} must not have empty segments (no "//" nor a trailing "/")`,
    );
  }
}

/** Throws unless `seq` is an integer chunk number that fits the padded name. */
export function assertChunkSeq(seq: number): void {
  if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQ) {
    throw new Error(`chunk seq must be an integer between 0 and ${MAX_SEQ}, got ${seq}`);
  }
}

/** The zero-padded name of chunk `seq`: `0000000042`. */
export function chunkName(seq: number): string {
  return String(seq).padStart(SEQ_DIGITS, '0');
}

/** Whether a name is exactly a chunk name (and not a temporary file or another key's folder). */
export function isChunkName(name: string): boolean {
  return CHUNK_NAME.test(name);
}
