/**
 * The SFTP operation parser on hand-built packets (every operation, chunking, garbage, limits) and on what a real
 * OpenSSH `sftp` client sends: an in-process ssh2 server taps the subsystem's bytes and relays them to OpenSSH's
 * own sftp-server, so the commands really run and their effects can be checked on disk.
 */
import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519Key } from '../tunnel/host-key.js';
import { SFTP_MAX_PACKET_LENGTH, type SftpOperation, SftpOperationParser } from './sftp-operations.js';
import { SFTP_MAX_STRING_CHARS } from './sftp-packet.js';

const T = {
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

const u32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0);
  return buffer;
};
const u64 = (value: number) => {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(value));
  return buffer;
};
const str = (value: string | Buffer) => {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([u32(bytes.length), bytes]);
};
/** `uint32 length, byte type, uint32 id, payload`; INIT passes no id. */
const packet = (type: number, id: number | undefined, ...payload: Buffer[]) => {
  const body = Buffer.concat([Buffer.from([type]), ...(id === undefined ? [] : [u32(id)]), ...payload]);
  return Buffer.concat([u32(body.length), body]);
};

interface Attrs {
  size?: number;
  uid?: number;
  gid?: number;
  permissions?: number;
  atime?: number;
  mtime?: number;
  extended?: [string, string][];
}
const attrs = (a: Attrs = {}) => {
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

const init = (version = 3, ...extensions: [string, string][]) =>
  packet(T.INIT, undefined, u32(version), ...extensions.flatMap(([k, v]) => [str(k), str(v)]));
const open = (id: number, path: string, pflags: number, a: Attrs = {}) =>
  packet(T.OPEN, id, str(path), u32(pflags), attrs(a));
const extended = (id: number, name: string, ...payload: Buffer[]) =>
  packet(T.EXTENDED, id, str(name), ...payload);

function parseAll(...chunks: Buffer[]): SftpOperation[] {
  const parser = new SftpOperationParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

/** Deterministic bytes, so that a failure can be replayed. */
function randomBytesFrom(seed: number, length: number): Buffer {
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

describe('SftpOperationParser: operations', () => {
  it('ignores the INIT handshake (no request id) and reads the packets after it', () => {
    const parser = new SftpOperationParser();
    expect(parser.push(init(3, ['posix-rename@openssh.com', '1']))).toEqual([]);
    expect(parser.push(packet(T.REMOVE, 7, str('/tmp/x')))).toEqual([
      { op: 'remove', requestId: 7, path: '/tmp/x' },
    ]);
    expect(parser.failed).toBe(false);
  });

  it('reads INIT with no extensions and a later version', () => {
    expect(parseAll(init(6), packet(T.RMDIR, 1, str('/d')))).toEqual([
      { op: 'rmdir', requestId: 1, path: '/d' },
    ]);
  });

  it('decodes OPEN pflags into a mode and flags', () => {
    expect(
      parseAll(
        open(1, '/etc/passwd', 0x01),
        open(2, '/tmp/out', 0x02 | 0x08 | 0x10, { permissions: 0o644 }),
        open(3, '/tmp/log', 0x01 | 0x02 | 0x04 | 0x08 | 0x20),
        open(4, '/tmp/none', 0),
      ),
    ).toEqual([
      { op: 'open', requestId: 1, path: '/etc/passwd', mode: 'read', flags: [] },
      { op: 'open', requestId: 2, path: '/tmp/out', mode: 'write', flags: ['create', 'truncate'] },
      {
        op: 'open',
        requestId: 3,
        path: '/tmp/log',
        mode: 'read_write',
        flags: ['create', 'append', 'exclusive'],
      },
      // OpenSSH's sftp-server opens O_RDONLY when neither bit is set.
      { op: 'open', requestId: 4, path: '/tmp/none', mode: 'read', flags: [] },
    ]);
  });

  it('reports opendir, remove, rename, mkdir, rmdir', () => {
    expect(
      parseAll(
        packet(T.OPENDIR, 1, str('/home')),
        packet(T.REMOVE, 2, str('/tmp/x')),
        packet(T.RENAME, 3, str('a'), str('b')),
        packet(T.MKDIR, 4, str('/tmp/d'), attrs({ permissions: 0o755 })),
        packet(T.RMDIR, 5, str('/tmp/d')),
      ),
    ).toEqual([
      { op: 'opendir', requestId: 1, path: '/home' },
      { op: 'remove', requestId: 2, path: '/tmp/x' },
      { op: 'rename', requestId: 3, from: 'a', to: 'b' },
      { op: 'mkdir', requestId: 4, path: '/tmp/d' },
      { op: 'rmdir', requestId: 5, path: '/tmp/d' },
    ]);
  });

  it('reports setstat with the attributes present', () => {
    expect(
      parseAll(
        packet(
          T.SETSTAT,
          1,
          str('/f'),
          attrs({
            size: 2 ** 40,
            uid: 1000,
            gid: 100,
            permissions: 0o100755,
            atime: 1_700_000_000,
            mtime: 1_700_000_001,
            extended: [['x@example.com', 'y']],
          }),
        ),
        packet(T.SETSTAT, 2, str('/g'), attrs({ permissions: 0o4750 })),
        packet(T.SETSTAT, 3, str('/h'), attrs({ size: 0 })),
        packet(T.SETSTAT, 4, str('/i'), attrs()),
      ),
    ).toEqual([
      {
        op: 'setstat',
        requestId: 1,
        path: '/f',
        attrs: {
          size: 2 ** 40,
          uid: 1000,
          gid: 100,
          permissions: '0755',
          atime: 1_700_000_000,
          mtime: 1_700_000_001,
        },
      },
      { op: 'setstat', requestId: 2, path: '/g', attrs: { permissions: '4750' } },
      { op: 'setstat', requestId: 3, path: '/h', attrs: { size: 0 } },
      { op: 'setstat', requestId: 4, path: '/i', attrs: {} },
    ]);
  });

  it('reads SYMLINK in OpenSSH order: target, then link path', () => {
    expect(parseAll(packet(T.SYMLINK, 9, str('../target'), str('/tmp/link')))).toEqual([
      { op: 'symlink', requestId: 9, path: '/tmp/link', target: '../target' },
    ]);
  });

  it('reports the OpenSSH extensions that change files, and ignores the others', () => {
    expect(
      parseAll(
        extended(1, 'posix-rename@openssh.com', str('/a'), str('/b')),
        extended(2, 'hardlink@openssh.com', str('/existing'), str('/new')),
        extended(3, 'lsetstat@openssh.com', str('/l'), attrs({ uid: 0, gid: 0 })),
        extended(4, 'statvfs@openssh.com', str('/')),
        extended(5, 'fsync@openssh.com', str('handle')),
        extended(6, 'limits@openssh.com'),
        extended(7, 'copy-data', str('h1'), u64(0), u64(0), str('h2'), u64(0)),
      ),
    ).toEqual([
      { op: 'rename', requestId: 1, from: '/a', to: '/b' },
      { op: 'link', requestId: 2, path: '/new', target: '/existing' },
      { op: 'setstat', requestId: 3, path: '/l', attrs: { uid: 0, gid: 0 } },
    ]);
  });

  it('skips lookups and handle requests', () => {
    const handle = str('h0');
    expect(
      parseAll(
        packet(T.REALPATH, 1, str('.')),
        packet(T.STAT, 2, str('/a')),
        packet(T.LSTAT, 3, str('/a')),
        packet(T.FSTAT, 4, handle),
        packet(T.READ, 5, handle, u64(0), u32(32768)),
        packet(T.WRITE, 6, handle, u64(0), str(Buffer.alloc(32768, 1))),
        packet(T.READDIR, 7, handle),
        packet(T.CLOSE, 8, handle),
        packet(T.FSETSTAT, 9, handle, attrs({ permissions: 0o600 })),
        packet(T.READLINK, 10, str('/l')),
      ),
    ).toEqual([]);
  });

  it('ignores unknown packet types and keeps going', () => {
    const parser = new SftpOperationParser();
    expect(
      parser.push(
        Buffer.concat([
          packet(T.VERSION, 3),
          packet(T.STATUS, 1, u32(0), str(''), str('')),
          packet(0, 1, str('/zero')),
          packet(255, 1, Buffer.alloc(100)),
          packet(T.REMOVE, 2, str('/after')),
        ]),
      ),
    ).toEqual([{ op: 'remove', requestId: 2, path: '/after' }]);
    expect(parser.failed).toBe(false);
  });
});

describe('SftpOperationParser: strings', () => {
  it('decodes UTF-8, replacing invalid bytes', () => {
    expect(
      parseAll(
        packet(T.REMOVE, 1, str('/tmp/grüße/日本/😀')),
        packet(T.REMOVE, 2, str(Buffer.from([0x2f, 0xff, 0xc3]))),
      ),
    ).toEqual([
      { op: 'remove', requestId: 1, path: '/tmp/grüße/日本/😀' },
      { op: 'remove', requestId: 2, path: '/\ufffd\ufffd' },
    ]);
  });

  it(`caps each string at ${SFTP_MAX_STRING_CHARS} chars without splitting a surrogate pair`, () => {
    const long = `/${'a'.repeat(10_000)}`;
    const emoji = `/${'😀'.repeat(5000)}`; // the cap falls after the high half of a pair
    const [plain, pairs, renamed] = parseAll(
      packet(T.REMOVE, 1, str(long)),
      packet(T.REMOVE, 2, str(emoji)),
      packet(T.RENAME, 3, str(long), str('/short')),
    );
    expect(plain).toEqual({ op: 'remove', requestId: 1, path: long.slice(0, SFTP_MAX_STRING_CHARS) });
    expect(pairs).toEqual({ op: 'remove', requestId: 2, path: emoji.slice(0, SFTP_MAX_STRING_CHARS - 1) });
    expect(renamed).toEqual({
      op: 'rename',
      requestId: 3,
      from: long.slice(0, SFTP_MAX_STRING_CHARS),
      to: '/short',
    });
  });

  it('skips a packet whose string runs past its end, without failing the stream', () => {
    const parser = new SftpOperationParser();
    const tooLong = Buffer.concat([u32(1000), Buffer.from('/short')]);
    expect(
      parser.push(
        Buffer.concat([
          packet(T.REMOVE, 1, tooLong),
          packet(T.RENAME, 2, str('/a'), u32(0xffffffff)),
          packet(T.OPEN, 3, str('/no-pflags')),
          packet(T.SETSTAT, 4, str('/cut'), u32(0x1), u32(0)), // SIZE flagged, 4 of its 8 bytes
          packet(T.MKDIR, 5, str('/x'), attrs({ extended: [['k', 'v']] }).subarray(0, 12)),
          packet(T.EXTENDED, 6, u32(50)),
          packet(T.REMOVE, 7, str('/ok')),
        ]),
      ),
    ).toEqual([{ op: 'remove', requestId: 7, path: '/ok' }]);
    expect(parser.failed).toBe(false);
  });
});

describe('SftpOperationParser: chunking', () => {
  const stream = Buffer.concat([
    init(3),
    open(1, '/etc/passwd', 0x01),
    packet(T.READ, 2, str('h'), u64(0), u32(4096)),
    packet(T.WRITE, 3, str('h'), u64(0), str(Buffer.alloc(300, 7))),
    packet(T.RENAME, 4, str('/a'), str('/b')),
    packet(T.SETSTAT, 5, str('/f'), attrs({ permissions: 0o600, atime: 1, mtime: 2 })),
    packet(T.REMOVE, 6, str('/tmp/ü')),
    extended(7, 'posix-rename@openssh.com', str('/c'), str('/d')),
    packet(T.SYMLINK, 8, str('t'), str('/l')),
  ]);
  const whole = parseAll(stream);

  it('parses the whole stream in one push', () => {
    expect(whole.map((operation) => operation.op)).toEqual([
      'open',
      'rename',
      'setstat',
      'remove',
      'rename',
      'symlink',
    ]);
  });

  it('gives the same result when split at every byte boundary', () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(parseAll(stream.subarray(0, i), stream.subarray(i)), `split at ${i}`).toEqual(whole);
    }
  });

  it('gives the same result one byte at a time, reporting each operation on its last byte', () => {
    const parser = new SftpOperationParser();
    const seen: SftpOperation[] = [];
    for (let i = 0; i < stream.length; i++) {
      const operations = parser.push(stream.subarray(i, i + 1));
      seen.push(...operations);
    }
    expect(seen).toEqual(whole);
    expect(parser.push(Buffer.alloc(0))).toEqual([]);
  });

  it('gives the same result for random chunk sizes', () => {
    const sizes = randomBytesFrom(42, 1000);
    for (let round = 0; round < 50; round++) {
      const chunks: Buffer[] = [];
      for (let offset = 0, i = round; offset < stream.length; i++) {
        const size = (sizes[i % sizes.length]! % 64) + 1;
        chunks.push(stream.subarray(offset, offset + size));
        offset += size;
      }
      expect(parseAll(...chunks)).toEqual(whole);
    }
  });

  it('does not depend on the caller keeping its buffers', () => {
    const parser = new SftpOperationParser();
    const chunk = Buffer.from(packet(T.RENAME, 1, str('/from'), str('/to')));
    expect(parser.push(chunk.subarray(0, 12))).toEqual([]);
    const rest = Buffer.from(chunk.subarray(12));
    chunk.fill(0); // a relay may reuse the buffer once the parser returns
    expect(parser.push(rest)).toEqual([{ op: 'rename', requestId: 1, from: '/from', to: '/to' }]);
  });
});

describe('SftpOperationParser: not SFTP', () => {
  it('fails on an oversize length, keeps what came before, and reports nothing after', () => {
    const parser = new SftpOperationParser();
    const oversize = Buffer.concat([u32(SFTP_MAX_PACKET_LENGTH + 1), Buffer.from([T.REMOVE])]);
    expect(parser.push(Buffer.concat([packet(T.REMOVE, 1, str('/before')), oversize]))).toEqual([
      { op: 'remove', requestId: 1, path: '/before' },
    ]);
    expect(parser.failed).toBe(true);
    expect(parser.failure).toMatch(/packet length 263169/);
    expect(parser.push(packet(T.REMOVE, 2, str('/after')))).toEqual([]);
  });

  it('fails as soon as the four length bytes are in', () => {
    const parser = new SftpOperationParser();
    expect(parser.push(u32(0x7fffffff))).toEqual([]);
    expect(parser.failed).toBe(true);
  });

  it.each([0, 1, 4])('fails on a length of %i (shorter than type and request id)', (length) => {
    const parser = new SftpOperationParser();
    parser.push(Buffer.concat([u32(length), Buffer.alloc(8)]));
    expect(parser.failed).toBe(true);
  });

  it('accepts a packet of exactly the maximum length', () => {
    const handle = str('h');
    const data = Buffer.alloc(SFTP_MAX_PACKET_LENGTH - 1 - 4 - handle.length - 8 - 4);
    const write = packet(T.WRITE, 1, handle, u64(0), str(data));
    expect(write.readUInt32BE(0)).toBe(SFTP_MAX_PACKET_LENGTH);
    const parser = new SftpOperationParser();
    expect(parser.push(Buffer.concat([write, packet(T.REMOVE, 2, str('/x'))]))).toEqual([
      { op: 'remove', requestId: 2, path: '/x' },
    ]);
    expect(parser.failed).toBe(false);
  });

  it('fails on text such as a shell banner or HTTP', () => {
    for (const text of ['Last login: Mon Jan  1 00:00:00 2024\r\n', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n']) {
      const parser = new SftpOperationParser();
      expect(parser.push(Buffer.from(text))).toEqual([]);
      expect(parser.failed).toBe(true);
    }
  });

  it('never throws on random bytes, and fails on them', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const garbage = randomBytesFrom(seed, 4096);
      const parser = new SftpOperationParser();
      let offset = 0;
      for (let i = 0; offset < garbage.length; i++) {
        const size = garbage[i]! + 1;
        expect(() => parser.push(garbage.subarray(offset, offset + size))).not.toThrow();
        offset += size;
      }
      expect(parser.failed, `seed ${seed}`).toBe(true);
    }
  });

  it('never throws on random bytes inside well-framed packets', () => {
    const parser = new SftpOperationParser();
    for (let seed = 1; seed <= 2000; seed++) {
      const body = randomBytesFrom(seed, (seed % 97) + 4);
      const type = [
        T.OPEN,
        T.SETSTAT,
        T.OPENDIR,
        T.REMOVE,
        T.MKDIR,
        T.RMDIR,
        T.RENAME,
        T.SYMLINK,
        T.EXTENDED,
      ][seed % 9]!;
      expect(() => parser.push(packet(type, seed, body))).not.toThrow();
    }
    expect(parser.failed).toBe(false);
  });
});

/** OpenSSH's sftp-server answers the real client, so the commands really happen (Debian: openssh-sftp-server). */
const SFTP_SERVER = '/usr/lib/openssh/sftp-server';
const SFTP_CLIENT = '/usr/bin/sftp';

describe('SftpOperationParser: a real OpenSSH sftp client', () => {
  let server: ssh2.Server;
  let port: number;
  let remote: string;
  let local: string;
  const captured: SftpOperation[] = [];
  let parser: SftpOperationParser | undefined;

  beforeAll(async () => {
    for (const binary of [SFTP_SERVER, SFTP_CLIENT]) {
      if (!existsSync(binary))
        throw new Error(`${binary} is missing: install the Debian OpenSSH client packages`);
    }
    remote = mkdtempSync(join(tmpdir(), 'border0-sftp-remote-'));
    local = mkdtempSync(join(tmpdir(), 'border0-sftp-local-'));
    server = new ssh2.Server({ hostKeys: [generateEd25519Key()] }, (client) => {
      client.on('error', () => {});
      client.on('authentication', (context) => context.accept());
      client.on('session', (acceptSession) => {
        acceptSession().on('subsystem', (accept, reject, info) => {
          if (info.name !== 'sftp') return reject();
          const channel = accept();
          const sftpServer = spawn(SFTP_SERVER, [], { cwd: remote, stdio: ['pipe', 'pipe', 'inherit'] });
          parser = new SftpOperationParser();
          // The raw client-to-server bytes, exactly as the proxy relays them.
          channel.on('data', (chunk: Buffer) => captured.push(...parser!.push(chunk)));
          channel.pipe(sftpServer.stdin);
          sftpServer.stdout.pipe(channel);
          sftpServer.on('exit', (code) => channel.exit(code ?? 1));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    if (remote) rmSync(remote, { recursive: true, force: true });
    if (local) rmSync(local, { recursive: true, force: true });
  });

  it('records put, get, rename, chmod, mkdir, rmdir, ln, ln -s and rm as the client sent them', async () => {
    writeFileSync(join(local, 'hello.txt'), 'hello from the client\n');
    const batch = join(local, 'batch');
    writeFileSync(
      batch,
      [
        'ls',
        `put ${join(local, 'hello.txt')} hello.txt`,
        `get hello.txt ${join(local, 'copy.txt')}`,
        'rename hello.txt renamed.txt',
        'chmod 640 renamed.txt',
        'mkdir sub',
        'rmdir sub',
        'ln -s renamed.txt sym.txt',
        'ln renamed.txt hard.txt',
        'rm hard.txt',
        '',
      ].join('\n'),
    );
    const options = [
      'StrictHostKeyChecking=no',
      'UserKnownHostsFile=/dev/null',
      'BatchMode=yes',
      'LogLevel=ERROR',
    ];
    const args = ['-F', '/dev/null', '-b', batch, '-P', String(port), ...options.flatMap((o) => ['-o', o])];
    await promisify(execFile)(SFTP_CLIENT, [...args, 'tester@127.0.0.1'], { timeout: 20_000 });

    // The effects on disk, so that the operations below are known to be what the real server did.
    expect(readFileSync(join(local, 'copy.txt'), 'utf8')).toBe('hello from the client\n');
    expect(readdirSync(remote).sort()).toEqual(['renamed.txt', 'sym.txt']);
    expect(readlinkSync(join(remote, 'sym.txt'))).toBe('renamed.txt');

    expect(parser?.failed).toBe(false);
    expect(captured.map(({ requestId: _, ...operation }) => operation)).toEqual([
      { op: 'opendir', path: remote },
      { op: 'open', path: `${remote}/hello.txt`, mode: 'write', flags: ['create', 'truncate'] },
      { op: 'open', path: `${remote}/hello.txt`, mode: 'read', flags: [] },
      { op: 'rename', from: `${remote}/hello.txt`, to: `${remote}/renamed.txt` },
      { op: 'setstat', path: `${remote}/renamed.txt`, attrs: { permissions: '0640' } },
      { op: 'mkdir', path: `${remote}/sub` },
      { op: 'rmdir', path: `${remote}/sub` },
      { op: 'symlink', path: `${remote}/sym.txt`, target: 'renamed.txt' },
      { op: 'link', path: `${remote}/hard.txt`, target: `${remote}/renamed.txt` },
      { op: 'remove', path: `${remote}/hard.txt` },
    ]);
    const ids = captured.map((operation) => operation.requestId);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });
});
