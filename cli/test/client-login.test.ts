/**
 * `border0 client login` end to end: the real binary starts a device login against a real server, a
 * "browser" approves it on `/device`, and the CLI stores the person's token (0600) and uses it.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { approveDevice, BIN, border0 as runCli, tempDir } from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startTestServer, type TestServer } from './test-server.js';

let api: TestServer;
let configDir: string;

beforeAll(async () => {
  api = await startTestServer();
  configDir = join(tempDir('login'), 'border0');
});

afterAll(async () => {
  await api?.close();
  rmSync(join(configDir, '..'), { recursive: true, force: true });
});

const env = () => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BORDER0_')));
  return { ...base, BORDER0_CONFIG_DIR: configDir, BORDER0_API_URL: api.server.url };
};

describe('border0 client login', () => {
  it('logs in through the browser, shows the status, and logs out', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, [BIN, 'client', 'login', '--no-browser'], { env: env() });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const prompt = await new Promise<RegExpMatchArray>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = stdout.match(/^Open (\S+) and enter code ([A-Z]{4}-[A-Z]{4})$/m);
        if (match) resolve(match);
      });
      child.on('exit', () => reject(new Error(`exited early: ${stdout} ${stderr}`)));
    });
    const [, link, code] = prompt;
    expect(link).toBe(`${api.server.url}/device?user_code=${code}`);

    const done = await approveDevice(link!, 'admin@localhost', api.server.adminPassword!);
    expect(done.text).toContain('You can close this window');

    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.trim().split('\n').at(-1)).toBe('logged in to local as admin@localhost');
    const file = join(configDir, 'config.yaml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const config = parse(readFileSync(file, 'utf8'));
    expect(config).toMatchObject({
      current_organization: 'local',
      organizations: { local: { api_url: api.server.url, email: 'admin@localhost' } },
    });
    expect(config.organizations.local.token).toMatch(/^b0a_/);
    expect(config.organizations.local.refresh_token).toMatch(/^b0r_/);
    const minutes = (Date.parse(config.organizations.local.expires_at) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(55);

    // An access token about to expire is renewed before the command runs, and the pair is stored again.
    const first = config.organizations.local;
    writeFileSync(
      file,
      stringify({ ...config, organizations: { local: { ...first, expires_at: new Date().toISOString() } } }),
      { mode: 0o600 },
    );
    const whoami = await runCli(['whoami'], { BORDER0_CONFIG_DIR: configDir });
    expect(whoami).toMatchObject({ code: 0, stderr: '' });
    const renewed = parse(readFileSync(file, 'utf8')).organizations.local;
    expect(renewed.token).not.toBe(first.token);
    expect(renewed.refresh_token).not.toBe(first.refresh_token);
    expect(Date.parse(renewed.expires_at)).toBeGreaterThan(Date.now() + 55 * 60_000);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stale = await runCli(['whoami'], { BORDER0_CONFIG_DIR: configDir, BORDER0_TOKEN: first.token });
    expect(stale.code).not.toBe(0);

    // Three processes due at once: one refreshes, the others find the new pair; the login survives
    // (a refresh token spent twice would have ended it).
    const due = parse(readFileSync(file, 'utf8'));
    due.organizations.local.expires_at = new Date().toISOString();
    writeFileSync(file, stringify(due), { mode: 0o600 });
    const together = await Promise.all(
      [1, 2, 3].map(() => runCli(['whoami'], { BORDER0_CONFIG_DIR: configDir })),
    );
    for (const run of together) expect(run).toMatchObject({ code: 0, stderr: '' });
    const renewedOnce = parse(readFileSync(file, 'utf8')).organizations.local;
    expect(renewedOnce.refresh_token).not.toBe(renewed.refresh_token);
    expect((await runCli(['whoami'], { BORDER0_CONFIG_DIR: configDir })).code).toBe(0);

    const status = await runCli(['client', 'login', 'status'], { BORDER0_CONFIG_DIR: configDir });
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(status.stdout).toMatch(/organization:\s+local/);
    expect(status.stdout).toMatch(/identity:\s+admin@localhost/);
    expect(status.stdout).toMatch(/role:\s+owner/);

    const logout = await runCli(['client', 'logout'], { BORDER0_CONFIG_DIR: configDir });
    expect(logout).toMatchObject({ code: 0, stderr: '' });
    expect(logout.stdout.trim()).toBe('logged out of local (login ended on the server)');
    expect(parse(readFileSync(file, 'utf8')).organizations).toEqual({});
    // Ended on the server: neither the access token nor the refresh token works any more.
    const after = await runCli(['whoami'], {
      BORDER0_CONFIG_DIR: configDir,
      BORDER0_TOKEN: renewedOnce.token,
    });
    expect(after.stderr).toMatch(/unknown, revoked or expired/);
    const refresh = await fetch(`${api.server.url}/api/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: renewedOnce.refresh_token }),
    });
    expect(refresh.status).toBe(400);
  });
});
