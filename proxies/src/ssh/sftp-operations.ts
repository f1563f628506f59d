/**
 * The client's SFTP operations, read from the raw bytes of the `sftp` subsystem (client to server) that the SSH
 * proxy relays: SFTP version 3 (draft-ietf-secsh-filexfer-02), which is what OpenSSH speaks, plus the OpenSSH
 * extensions that change files (PROTOCOL in the OpenSSH sources).
 *
 * Only requests that name a path and change or reveal the file tree are reported. Handle-based requests (READ,
 * WRITE, CLOSE, FSETSTAT, READDIR) would need the handles from the server's replies, and lookups (STAT, LSTAT,
 * REALPATH, READLINK) are too frequent to be worth recording, so they are skipped without being buffered.
 *
 * The parser is pure and never throws: bytes that cannot be SFTP stop it for good (`failed`), and a packet
 * whose fields run past its end is skipped.
 */
import { parsePacket, REPORTED_TYPES } from './sftp-packet.js';

export type SftpOpenMode = 'read' | 'write' | 'read_write';
export type SftpOpenFlag = 'create' | 'truncate' | 'append' | 'exclusive';

/** The attributes a SETSTAT sets; absent ones are left as they are. */
export interface SftpAttributes {
  size?: number;
  uid?: number;
  gid?: number;
  /** The mode bits as 4 octal digits, e.g. "0644". */
  permissions?: string;
  /** Seconds since the epoch; SFTP v3 sets both times or neither. */
  atime?: number;
  mtime?: number;
}

/** `requestId` is the client's id for the request, which the server's reply (status) carries back. */
export type SftpOperation =
  | { op: 'open'; requestId: number; path: string; mode: SftpOpenMode; flags: SftpOpenFlag[] }
  | { op: 'opendir'; requestId: number; path: string }
  | { op: 'remove'; requestId: number; path: string }
  | { op: 'rename'; requestId: number; from: string; to: string }
  | { op: 'mkdir'; requestId: number; path: string }
  | { op: 'rmdir'; requestId: number; path: string }
  | { op: 'setstat'; requestId: number; path: string; attrs: SftpAttributes }
  /** `path` is the link created, `target` what it points to (stored as given, often relative). */
  | { op: 'symlink'; requestId: number; path: string; target: string }
  /** A hard link: `path` is the new name of the existing file `target`. */
  | { op: 'link'; requestId: number; path: string; target: string };

/** OpenSSH's sftp-server refuses packets above 256 KiB (SFTP_MAX_MSG_LENGTH); 1 KiB of slack on top. */
export const SFTP_MAX_PACKET_LENGTH = 256 * 1024 + 1024;
/** Type byte plus request id (or INIT's version): nothing shorter is an SFTP packet. */
const MIN_PACKET_LENGTH = 5;
/** A packet's uint32 length and its type byte. */
const HEADER_LENGTH = 5;

export class SftpOperationParser {
  /** uint32 length and the type byte of the packet being read. */
  readonly #header = Buffer.alloc(HEADER_LENGTH);
  #headerFilled = 0;
  /** Body bytes (after the type byte) of the current packet still to come. */
  #remaining = 0;
  #keep = false;
  /** The body of a reported packet split across chunks; at most one packet long. */
  #body: Buffer | undefined;
  #bodyFilled = 0;
  #failure: string | undefined;

  /** True once the stream turned out not to be SFTP; `push` then returns nothing. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Why the parser stopped, if it did. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** The operations whose packets this chunk completes, in stream order. */
  push(chunk: Buffer): SftpOperation[] {
    const operations: SftpOperation[] = [];
    let offset = 0;
    while (this.#failure === undefined && offset < chunk.length) {
      if (this.#headerFilled < HEADER_LENGTH) {
        const n = Math.min(HEADER_LENGTH - this.#headerFilled, chunk.length - offset);
        chunk.copy(this.#header, this.#headerFilled, offset, offset + n);
        this.#headerFilled += n;
        offset += n;
        // Judge the length as soon as it is known, before waiting for the type byte.
        if (this.#headerFilled >= 4) {
          const length = this.#header.readUInt32BE(0);
          if (length < MIN_PACKET_LENGTH || length > SFTP_MAX_PACKET_LENGTH) {
            this.#failure = `packet length ${length} is outside ${MIN_PACKET_LENGTH}..${SFTP_MAX_PACKET_LENGTH}: not SFTP`;
            this.#body = undefined;
            break;
          }
        }
        if (this.#headerFilled < HEADER_LENGTH) break;
        this.#remaining = this.#header.readUInt32BE(0) - 1;
        this.#keep = REPORTED_TYPES.has(this.#header[4]!);
        continue;
      }

      const n = Math.min(this.#remaining, chunk.length - offset);
      // Skipped bodies (READ and WRITE data above all) are counted past, never copied.
      let complete: Buffer | undefined;
      if (!this.#keep) {
        complete = undefined;
      } else if (this.#body === undefined && n === this.#remaining) {
        // The whole body is in this chunk: parse it in place, nothing outlives this call.
        complete = chunk.subarray(offset, offset + n);
      } else {
        this.#body ??= Buffer.allocUnsafe(this.#remaining);
        chunk.copy(this.#body, this.#bodyFilled, offset, offset + n);
        this.#bodyFilled += n;
        if (this.#bodyFilled === this.#body.length) complete = this.#body;
      }
      offset += n;
      this.#remaining -= n;
      if (this.#remaining > 0) break;

      if (complete !== undefined) {
        const operation = parsePacket(this.#header[4]!, complete);
        if (operation !== undefined) operations.push(operation);
      }
      this.#headerFilled = 0;
      this.#body = undefined;
      this.#bodyFilled = 0;
    }
    return operations;
  }
}
