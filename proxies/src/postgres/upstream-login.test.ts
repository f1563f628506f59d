/**
 * The upstream login over TLS, against a fake server that accepts the SSLRequest and answers AuthenticationOk
 * inside TLS: the reader of the login must leave the TLS handshake's bytes to the TLS socket.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { loginUpstream } from './upstream-login.js';

function certificate() {
  const dir = mkdtempSync(join(tmpdir(), 'pg-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') };
}

describe('loginUpstream over TLS', () => {
  it('logs in through a channel that is a plain Duplex (the tunnel’s)', async () => {
    const { key, cert } = certificate();
    const server = createServer((raw) => {
      raw.once('data', () => {
        raw.write('S');
        raw.pause();
        const inbound = new PassThrough();
        raw.pipe(inbound);
        const tls = new TLSSocket(Duplex.from({ readable: inbound, writable: raw }) as never, {
          isServer: true,
          key,
          cert,
        });
        // StartupMessage in, AuthenticationOk and ReadyForQuery out.
        tls.once('data', () =>
          tls.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0, 0x5a, 0, 0, 0, 5, 0x49])),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = connect((server.address() as { port: number }).port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    try {
      const session = await loginUpstream(
        Duplex.from({ readable: socket, writable: socket }),
        {
          hostname: '127.0.0.1',
          username: 'app',
          tls: { enabled: true, verify: 'ca', ca_certificate: cert },
        },
        new Map([['database', 'shop']]),
      );
      expect(session.encrypted).toBe(true);
      expect(session.rest).toEqual(Buffer.from([0x5a, 0, 0, 0, 5, 0x49]));
      session.socket.destroy();
    } finally {
      socket.destroy();
      server.close();
    }
  });
});
