import { describe, expect, it } from 'vitest';
import { SFTP_MAX_PACKET_LENGTH, type SftpOperation, SftpOperationParser } from './sftp-operations.js';
import {
  attrs,
  extended,
  init,
  open,
  packet,
  parseAll,
  randomBytesFrom,
  str,
  T,
  u32,
  u64,
} from './sftp-test-packets.js';

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
