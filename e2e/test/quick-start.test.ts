/**
 * The README's quick start across real processes: `border0 start` on a fresh data directory serves the API
 * reference in time, the CLI (logged in by that start) publishes a socket, and a restart keeps it.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { border0, type Platform, startPlatform, tempDir } from '@border0/testing';
import { afterEach, describe, expect, it } from 'vitest';

let running: Platform | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('quick start', () => {
  it('serves /api/docs within 30 s, publishes a socket from the CLI, and keeps it across a restart', async () => {
    const dataDir = tempDir('data');
    const env = { BORDER0_CONFIG_DIR: tempDir('config') };
    const started = Date.now();
    running = await startPlatform(['--data-dir', dataDir], env);
    const docs = await fetch(`${running.url}/api/docs`);
    expect(docs.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(running.output()).toMatch(/Admin token for organization local/);
    expect(statSync(join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);

    const created = await border0(
      ['socket', 'create', '--name', 'web', '--type', 'http', '--upstream', 'http://127.0.0.1:3000'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const listed = await border0(['socket', 'ls', '--output', 'json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        name: 'web',
        socket_type: 'http',
        dnsname: 'web-local.localhost',
        upstream_configuration: expect.objectContaining({ type: 'http', hostname: '127.0.0.1', port: 3000 }),
      }),
    ]);

    // The first owner can be named in a policy and asked about.
    const policy = await border0(
      [
        'policy',
        'create',
        '--name',
        'web-for-admin',
        '--allow',
        'http',
        '--email',
        'admin@localhost',
        '--org-wide',
      ],
      env,
    );
    expect(policy.code, policy.stderr).toBe(0);
    const decision = await border0(
      ['policy', 'test', '--socket', 'web', '--email', 'admin@localhost', '--ip', '127.0.0.1'],
      env,
    );
    expect(decision.stdout).toMatch(/^ALLOWED by policy web-for-admin/);
    const stranger = await border0(['policy', 'test', '--socket', 'web', '--email', 'eve@example.com'], env);
    expect(stranger.stdout).toMatch(/^DENIED/);

    expect(await running.stop()).toBe(0);
    running = await startPlatform(['--data-dir', dataDir], env);
    expect(running.output()).not.toMatch(/Admin token for organization/);
    const again = await border0(['socket', 'ls', '--output', 'json', '--api-url', running.url], env);
    expect(JSON.parse(again.stdout).map((s: { name: string }) => s.name)).toEqual(['web']);
    const audit = await border0(['audit', 'verify', '--api-url', running.url], env);
    expect(audit.stdout).toMatch(/audit log intact: \d+ entries/);
  });
});
