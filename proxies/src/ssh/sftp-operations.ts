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
/** Longer strings are cut: a path is at most PATH_MAX (4096) on Linux anyway. */
export const SFTP_MAX_STRING_CHARS = 4096;

const SSH_FXP_OPEN = 3;
const SSH_FXP_SETSTAT = 9;
const SSH_FXP_OPENDIR = 11;
const SSH_FXP_REMOVE = 13;
const SSH_FXP_MKDIR = 14;
const SSH_FXP_RMDIR = 15;
const SSH_FXP_RENAME = 18;
const SSH_FXP_SYMLINK = 20;
const SSH_FXP_EXTENDED = 200;

/** The only packet types whose body is kept; every other body is counted past, never copied. */
const REPORTED_TYPES = new Set([
  SSH_FXP_OPEN,
  SSH_FXP_SETSTAT,
  SSH_FXP_OPENDIR,
  SSH_FXP_REMOVE,
  SSH_FXP_MKDIR,
  SSH_FXP_RMDIR,
  SSH_FXP_RENAME,
  SSH_FXP_SYMLINK,
  SSH_FXP_EXTENDED,
]);

const SSH_FXF_READ = 0x01;
const SSH_FXF_WRITE = 0x02;
const SSH_FXF_APPEND = 0x04;
const SSH_FXF_CREAT = 0x08;
const SSH_FXF_TRUNC = 0x10;
const SSH_FXF_EXCL = 0x20;

const ATTR_SIZE = 0x01;
const ATTR_UIDGID = 0x02;
const ATTR_PERMISSIONS = 0x04;
const ATTR_ACMODTIME = 0x08;
const ATTR_EXTENDED = 0x80000000;

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

/** Thrown by Reader when a field runs past the packet; only ever caught in parsePacket. */
class Malformed extends Error {}

class Reader {
  #offset = 0;
  constructor(private readonly packet: Buffer) {}

  #take(length: number): number {
    if (length > this.packet.length - this.#offset) throw new Malformed();
    const start = this.#offset;
    this.#offset += length;
    return start;
  }

  uint32(): number {
    return this.packet.readUInt32BE(this.#take(4));
  }

  uint64(): number {
    return Number(this.packet.readBigUInt64BE(this.#take(8)));
  }

  bytes(): Buffer {
    const length = this.uint32();
    const start = this.#take(length);
    return this.packet.subarray(start, start + length);
  }

  string(): string {
    return decodeString(this.bytes());
  }

  attributes(): SftpAttributes {
    const flags = this.uint32();
    const attrs: SftpAttributes = {};
    if (flags & ATTR_SIZE) attrs.size = this.uint64();
    if (flags & ATTR_UIDGID) {
      attrs.uid = this.uint32();
      attrs.gid = this.uint32();
    }
    // The file type bits cannot be set, so only the mode bits are shown.
    if (flags & ATTR_PERMISSIONS) attrs.permissions = (this.uint32() & 0o7777).toString(8).padStart(4, '0');
    if (flags & ATTR_ACMODTIME) {
      attrs.atime = this.uint32();
      attrs.mtime = this.uint32();
    }
    if (flags & ATTR_EXTENDED) {
      // Read only to check the packet is whole; no server acts on unknown extended attributes.
      for (let count = this.uint32(); count > 0; count--) {
        this.bytes();
        this.bytes();
      }
    }
    return attrs;
  }
}

/** The operation in a reported packet's body (request id first), or undefined for other or malformed ones. */
function parsePacket(type: number, body: Buffer): SftpOperation | undefined {
  try {
    const reader = new Reader(body);
    const requestId = reader.uint32();
    switch (type) {
      case SSH_FXP_OPEN: {
        const path = reader.string();
        const pflags = reader.uint32();
        reader.attributes();
        return { op: 'open', requestId, path, ...openMode(pflags) };
      }
      case SSH_FXP_OPENDIR:
        return { op: 'opendir', requestId, path: reader.string() };
      case SSH_FXP_REMOVE:
        return { op: 'remove', requestId, path: reader.string() };
      case SSH_FXP_MKDIR: {
        const path = reader.string();
        reader.attributes();
        return { op: 'mkdir', requestId, path };
      }
      case SSH_FXP_RMDIR:
        return { op: 'rmdir', requestId, path: reader.string() };
      case SSH_FXP_SETSTAT: {
        const path = reader.string();
        return { op: 'setstat', requestId, path, attrs: reader.attributes() };
      }
      case SSH_FXP_RENAME: {
        const from = reader.string();
        return { op: 'rename', requestId, from, to: reader.string() };
      }
      case SSH_FXP_SYMLINK: {
        // OpenSSH swapped the draft's order (its PROTOCOL file, 4.1) and clients follow OpenSSH: target first.
        const target = reader.string();
        return { op: 'symlink', requestId, path: reader.string(), target };
      }
      case SSH_FXP_EXTENDED:
        return parseExtended(requestId, reader);
      default:
        return undefined;
    }
  } catch {
    // Malformed, or anything unforeseen: losing one packet's record beats breaking the relayed session.
    return undefined;
  }
}

function parseExtended(requestId: number, reader: Reader): SftpOperation | undefined {
  switch (reader.bytes().toString('latin1')) {
    case 'posix-rename@openssh.com': {
      const from = reader.string();
      return { op: 'rename', requestId, from, to: reader.string() };
    }
    case 'hardlink@openssh.com': {
      const target = reader.string();
      return { op: 'link', requestId, path: reader.string(), target };
    }
    case 'lsetstat@openssh.com': {
      // SETSTAT that does not follow a final symlink (`chmod -h`): the same change to the user.
      const path = reader.string();
      return { op: 'setstat', requestId, path, attrs: reader.attributes() };
    }
    default:
      return undefined;
  }
}

function openMode(pflags: number): { mode: SftpOpenMode; flags: SftpOpenFlag[] } {
  const read = (pflags & SSH_FXF_READ) !== 0;
  const write = (pflags & SSH_FXF_WRITE) !== 0;
  // Neither bit opens O_RDONLY in OpenSSH's sftp-server, so that is a read.
  const mode: SftpOpenMode = read && write ? 'read_write' : write ? 'write' : 'read';
  const flags: SftpOpenFlag[] = [];
  if (pflags & SSH_FXF_CREAT) flags.push('create');
  if (pflags & SSH_FXF_TRUNC) flags.push('truncate');
  if (pflags & SSH_FXF_APPEND) flags.push('append');
  if (pflags & SSH_FXF_EXCL) flags.push('exclusive');
  return { mode, flags };
}

/**
 * UTF-8 (bad bytes become U+FFFD), at most SFTP_MAX_STRING_CHARS UTF-16 units. Only the first 4 bytes per kept
 * unit are decoded: each unit takes at most 3 bytes, so a sequence cut there lies beyond the cap.
 */
function decodeString(bytes: Buffer): string {
  const text = bytes.subarray(0, SFTP_MAX_STRING_CHARS * 4).toString('utf8');
  if (text.length <= SFTP_MAX_STRING_CHARS) return text;
  // Never leave half of a surrogate pair at the end.
  const last = text.charCodeAt(SFTP_MAX_STRING_CHARS - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? SFTP_MAX_STRING_CHARS - 1 : SFTP_MAX_STRING_CHARS);
}
