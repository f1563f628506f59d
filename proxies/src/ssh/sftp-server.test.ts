/**
 * The SFTP operation parser on what a real OpenSSH `sftp` client sends: an in-process ssh2 server taps the
 * subsystem's bytes and relays them to OpenSSH's own sftp-server, so the commands really run and their effects
 * can be checked on disk.
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
import { type SftpOperation, SftpOperationParser } from './sftp-operations.js';

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
