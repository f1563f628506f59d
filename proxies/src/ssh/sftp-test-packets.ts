/** Hand-built SFTP packets for the parser's tests (the SSH_FXP_* layout of draft-ietf-secsh-filexfer-02). */
import { type SftpOperation, SftpOperationParser } from './sftp-operations.js';

export const T = {
  INIT: 1,
  VERSION: 2,
  OPEN: 3,
  CLOSE: 4,
  READ: 5,
  WRITE: 6,
  LSTAT: 7,
  FSTAT: 8,
  SETSTAT: 9,
  FSETSTAT: 10,
  OPENDIR: 11,
  READDIR: 12,
  REMOVE: 13,
  MKDIR: 14,
  RMDIR: 15,
  REALPATH: 16,
  STAT: 17,
  RENAME: 18,
  READLINK: 19,
  SYMLINK: 20,
  STATUS: 101,
  EXTENDED: 200,
} as const;

export const u32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0);
  return buffer;
};
export const u64 = (value: number) => {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(value));
  return buffer;
};
export const str = (value: string | Buffer) => {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([u32(bytes.length), bytes]);
};
/** `uint32 length, byte type, uint32 id, payload`; INIT passes no id. */
export const packet = (type: number, id: number | undefined, ...payload: Buffer[]) => {
  const body = Buffer.concat([Buffer.from([type]), ...(id === undefined ? [] : [u32(id)]), ...payload]);
  return Buffer.concat([u32(body.length), body]);
};

export interface Attrs {
  size?: number;
  uid?: number;
  gid?: number;
  permissions?: number;
  atime?: number;
  mtime?: number;
  extended?: [string, string][];
}
export const attrs = (a: Attrs = {}) => {
  let flags = 0;
  const parts: Buffer[] = [];
  if (a.size !== undefined) {
    flags |= 0x1;
    parts.push(u64(a.size));
  }
  if (a.uid !== undefined) {
    flags |= 0x2;
    parts.push(u32(a.uid), u32(a.gid ?? 0));
  }
  if (a.permissions !== undefined) {
    flags |= 0x4;
    parts.push(u32(a.permissions));
  }
  if (a.atime !== undefined) {
    flags |= 0x8;
    parts.push(u32(a.atime), u32(a.mtime ?? 0));
  }
  if (a.extended) {
    flags |= 0x80000000;
    parts.push(u32(a.extended.length), ...a.extended.flatMap(([k, v]) => [str(k), str(v)]));
  }
  return Buffer.concat([u32(flags), ...parts]);
};

export const init = (version = 3, ...extensions: [string, string][]) =>
  packet(T.INIT, undefined, u32(version), ...extensions.flatMap(([k, v]) => [str(k), str(v)]));
export const open = (id: number, path: string, pflags: number, a: Attrs = {}) =>
  packet(T.OPEN, id, str(path), u32(pflags), attrs(a));
export const extended = (id: number, name: string, ...payload: Buffer[]) =>
  packet(T.EXTENDED, id, str(name), ...payload);

export function parseAll(...chunks: Buffer[]): SftpOperation[] {
  const parser = new SftpOperationParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

/** Deterministic bytes, so that a failure can be replayed. */
export function randomBytesFrom(seed: number, length: number): Buffer {
  let state = seed >>> 0;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}
