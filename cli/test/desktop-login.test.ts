/**
 * `border0 desktop` with no login yet: the real binary starts the device flow, a "browser" approves it on
 * `/device`, the login is stored as `border0 client login` stores it, and the desktop page then lists the
 * person's sockets, decided by the policies for that person (default deny: a socket no policy names is not
 * listed).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import { approveDevice, BIN, eventually, tempDir } from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestServer, type TestServer } from './test-server.js';

let api: TestServer;
let configDir: string;
let desktop: ChildProcess | undefined;

beforeAll(async () => {
  api = await startTestServer();
  configDir = join(tempDir('desktop-login'), 'border0');
  const admin = createClient({ baseUrl: api.server.url, token: api.token });
  const upstream = { type: 'tls' as const, hostname: '127.0.0.1', port: 7 };
  for (const name of ['mine', 'not-mine']) {
    await admin.post('/api/v1/sockets', {
      body: { name, socket_type: 'tls', upstream_configuration: upstream },
    });
  }
  await admin.post('/api/v1/policies', {
    body: {
      name: 'admin-mine',
      sockets: ['mine'],
      document: { permissions: { tls: {} }, condition: { who: { email: ['admin@localhost'] } } },
    },
  });
});

afterAll(async () => {
  desktop?.kill('SIGTERM');
  await api?.close();
  rmSync(join(configDir, '..'), { recursive: true, force: true });
});

describe('border0 desktop without a login', () => {
  it('logs in through the device flow, stores the login, and lists the person’s sockets', {
    timeout: 60_000,
  }, async () => {
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('BORDER0_')),
    );
    desktop = spawn(process.execPath, [BIN, 'desktop', '--no-open'], {
      env: { ...base, BORDER0_CONFIG_DIR: configDir, BORDER0_API_URL: api.server.url },
    });
    let output = '';
    let exited = false;
    desktop.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    desktop.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    desktop.on('exit', () => {
      exited = true;
    });
    const seen = async (pattern: RegExp) => {
      const match = await eventually(
        () => {
          if (exited) throw new Error(`border0 desktop exited: ${output}`);
          return output.match(pattern);
        },
        Boolean,
        20_000,
      );
      return match!;
    };

    const [, link] = await seen(/^Open (\S+) and enter code [A-Z]{4}-[A-Z]{4}$/m);
    const approved = await approveDevice(link!, 'admin@localhost', api.server.adminPassword!);
    expect(approved.text).toContain('You can close this window');
    const [, page] = await seen(/^border0 desktop: (http:\/\/127\.0\.0\.1:\d+\/\?key=\S+)$/m);

    // Stored as `border0 client login` stores a login: the person's, 0600.
    const file = join(configDir, 'config.yaml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = parse(readFileSync(file, 'utf8'));
    expect(stored.organizations.local).toMatchObject({ email: 'admin@localhost' });
    expect(stored.organizations.local.token).toMatch(/^b0a_/);

    // The window's page: the key in the address becomes its cookie; its API lists what the policies allow.
    const entry = await fetch(page!, { redirect: 'manual' });
    expect(entry.status).toBe(303);
    const cookie = (entry.headers.get('set-cookie') ?? '').split(';')[0]!;
    const listed = await fetch(new URL('/api/sockets', page!), {
      headers: { cookie, 'x-border0-desktop': '1' },
    });
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { email: string; sockets: { name: string }[] };
    expect(body.email).toBe('admin@localhost');
    expect(body.sockets.map((s) => s.name)).toEqual(['mine']);
  });
});
