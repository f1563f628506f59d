/**
 * The network plugin against real services on loopback: PostgreSQL, MariaDB, Redis (plain TCP), a real sshd,
 * HTTP and HTTPS servers started here, a raw TLS server, and a closed port.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { freePort, type Sshd, startSshd } from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../test/support/test-pki.js';
import { DISCOVERY_TAG } from './discovery-plugin.js';
import { expandTarget, NetworkPlugin, parseNetworkSettings } from './network-plugin.js';
import { applySettings } from './resource-filter.js';
import { classifyService } from './service-classifier.js';

type Closable = { close(callback: () => void): unknown };
const listen = async <T extends Closable & { listen(port: number, host: string, cb: () => void): unknown }>(
  server: T,
): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return ((server as unknown as Server).address() as AddressInfo).port;
};
const close = (server: Closable) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('network discovery', () => {
  let sshd: Sshd;
  const servers: Closable[] = [];
  const ports = { http: 0, https: 0, tls: 0, closed: 0 };

  beforeAll(async () => {
    sshd = await startSshd();
    const pki = await createTestPki('localhost');
    const http = createHttpServer((_req, res) => res.end('hello'));
    const https = createHttpsServer({ cert: pki.certPem, key: pki.keyPem }, (_req, res) => res.end('hi'));
    // A TLS server that speaks no HTTP: it says nothing until the client does, and then echoes.
    const tls = createTlsServer({ cert: pki.certPem, key: pki.keyPem }, (s) => s.pipe(s));
    ports.http = await listen(http);
    ports.https = await listen(https);
    ports.tls = await listen(tls);
    servers.push(http, https, tls);
    ports.closed = await freePort();
  });
  afterAll(async () => {
    await sshd?.stop();
    for (const s of servers) await close(s);
  });

  const classify = (port: number) => classifyService('127.0.0.1', port, { timeoutMs: 1500 });

  it('classifies an SSH banner as ssh', async () => expect(await classify(sshd.port)).toBe('ssh'));
  it('classifies PostgreSQL by its answer to SSLRequest', async () =>
    expect(await classify(5432)).toBe('postgres'));
  it('classifies a MariaDB handshake as mysql', async () => expect(await classify(3306)).toBe('mysql'));
  it('classifies Redis, which answers none of the probes, as plain TCP', async () =>
    expect(await classify(6379)).toBe('tcp'));
  it('classifies an HTTP server as http', async () => expect(await classify(ports.http)).toBe('http'));
  it('classifies HTTP inside TLS as https', async () => expect(await classify(ports.https)).toBe('https'));
  it('classifies a TLS server without HTTP as tls', async () =>
    expect(await classify(ports.tls)).toBe('tls'));
  it('reports a closed port as closed', async () => expect(await classify(ports.closed)).toBe('closed'));

  it('makes one socket per open port, typed by what answers, and none for a closed port', async () => {
    const plugin = new NetworkPlugin(
      parseNetworkSettings({
        targets: [
          {
            target: '127.0.0.1/32',
            ports: [sshd.port, 5432, 3306, 6379, ports.http, ports.https, ports.tls, ports.closed],
          },
        ],
        concurrency: 3,
        timeout_ms: 1500,
        upstream: { postgres: { authentication_type: 'username_and_password', username: 'app' } },
      }),
    );
    const found = await plugin.discover(new AbortController().signal);
    const summary = Object.fromEntries(
      found.map((r) => [
        r.name,
        [
          r.socketType,
          (r.upstream as { protocol?: string; scheme?: string }).protocol ??
            (r.upstream as { scheme?: string }).scheme ??
            null,
        ],
      ]),
    );
    expect(summary).toEqual({
      [`ssh-127-0-0-1-${sshd.port}`]: ['ssh', null],
      'postgres-127-0-0-1-5432': ['database', 'postgres'],
      'mysql-127-0-0-1-3306': ['database', 'mysql'],
      'tcp-127-0-0-1-6379': ['tls', null],
      [`http-127-0-0-1-${ports.http}`]: ['http', 'http'],
      [`https-127-0-0-1-${ports.https}`]: ['http', 'https'],
      [`tls-127-0-0-1-${ports.tls}`]: ['tls', null],
    });
    const postgres = found.find((r) => r.name === 'postgres-127-0-0-1-5432');
    expect(postgres?.upstream).toEqual({
      type: 'database',
      protocol: 'postgres',
      hostname: '127.0.0.1',
      port: 5432,
      authentication_type: 'username_and_password',
      username: 'app',
    });
    expect(postgres?.source).toBe('tcp://127.0.0.1:5432');
  });

  it('filters names with include and exclude globs and adds the plugin’s tags and discovery tag', () => {
    const resource = (name: string) => ({
      name,
      socketType: 'tls' as const,
      upstream: { type: 'tls' as const, hostname: '10.0.0.1', port: 1 },
      source: 'tcp://10.0.0.1:1',
      tags: { 'border0.discovery.service': 'tcp' },
    });
    const kept = applySettings(
      'network',
      { include: ['postgres-*', 'ssh-10-0-0-?-22'], exclude: ['*-5433'], tags: { env: 'lab' } },
      ['postgres-10-0-0-1-5432', 'postgres-10-0-0-1-5433', 'ssh-10-0-0-7-22', 'ssh-10-0-0-17-22'].map(
        resource,
      ),
    );
    expect(kept.map((r) => r.name)).toEqual(['postgres-10-0-0-1-5432', 'ssh-10-0-0-7-22']);
    expect(kept[0]?.tags).toEqual({
      'border0.discovery.service': 'tcp',
      env: 'lab',
      [DISCOVERY_TAG]: 'network',
    });
  });

  it('finds a service on an IPv6 range', async () => {
    const v6 = createHttpServer((_req, res) => res.end('hello over IPv6'));
    await new Promise<void>((resolve) => v6.listen(0, '::1', resolve));
    try {
      const port = (v6.address() as AddressInfo).port;
      const plugin = new NetworkPlugin(
        parseNetworkSettings({ targets: [{ target: '::1/128', ports: [port] }] }),
      );
      const found = await plugin.discover(new AbortController().signal);
      expect(found.map((r) => [r.name, r.upstream, r.source])).toEqual([
        [`http-1-${port}`, { type: 'http', scheme: 'http', hostname: '::1', port }, `tcp://[::1]:${port}`],
      ]);
    } finally {
      await close(v6);
    }
  });

  it('expands IPv4 and IPv6 ranges and refuses bad targets and ports, naming the field', () => {
    expect(expandTarget('10.1.2.3/30')).toEqual(['10.1.2.0', '10.1.2.1', '10.1.2.2', '10.1.2.3']);
    expect(expandTarget('fd00::7/126')).toEqual(['fd00::4', 'fd00::5', 'fd00::6', 'fd00::7']);
    expect(expandTarget('2001:db8:0:0:1::/127')).toEqual(['2001:db8:0:0:1::', '2001:db8::1:0:0:1']);
    expect(expandTarget('2001:db8::/112')).toHaveLength(65_536);
    expect(() => expandTarget('fd00::/64')).toThrow(/18446744073709551616 addresses, more than/);
    expect(() => expandTarget('fd00::/129')).toThrow(/not an IPv4 or IPv6 range/);
    expect(expandTarget('db.internal')).toEqual(['db.internal']);
    expect(() => expandTarget('10.0.0.0/8')).toThrow(/more than/);
    expect(() => parseNetworkSettings({ targets: [{ target: '10.0.0.1', ports: [0] }] })).toThrow(
      'discovery.network.targets.0.ports',
    );
    expect(() => parseNetworkSettings({})).toThrow('discovery.network.targets');
  });
});
