/**
 * One SFTP request packet's body (after its length and type byte) read into the operation it asks for:
 * SFTP version 3 (draft-ietf-secsh-filexfer-02, section 6) and the OpenSSH extensions that change files.
 */
import type { SftpAttributes, SftpOpenFlag, SftpOpenMode, SftpOperation } from './sftp-operations.js';

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
export const REPORTED_TYPES = new Set([
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
export function parsePacket(type: number, body: Buffer): SftpOperation | undefined {
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
