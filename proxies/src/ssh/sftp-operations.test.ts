import { describe, expect, it } from 'vitest';
import { SftpOperationParser } from './sftp-operations.js';
import { SFTP_MAX_STRING_CHARS } from './sftp-packet.js';
import { attrs, extended, init, open, packet, parseAll, str, T, u32, u64 } from './sftp-test-packets.js';

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
