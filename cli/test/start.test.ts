/** `border0 start` as a child process on a fresh data directory: it prints the token, serves, and stops. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDir } from '@border0/testing';
import { afterEach, expect, it } from 'vitest';
import { parse } from 'yaml';

const started: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Resolves with the output so far once `text` appears, or rejects at the deadline. */
function waitForOutput(child: ChildProcess, text: string, deadlineMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`no "${text}" within ${deadlineMs} ms:\n${output}`)),
      deadlineMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(text)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before "${text}":\n${output}`));
    });
  });
}

function waitForExit(child: ChildProcess, deadlineMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running after ${deadlineMs} ms`)), deadlineMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

it('starts the platform on a fresh data directory, prints the admin token, serves /api/docs, and stops on SIGTERM', async () => {
  const home = tempDir('start');
  dirs.push(home);
  const dataDir = join(home, 'data');
  const configDir = join(home, 'config');
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, BORDER0_CONFIG_DIR: configDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);

  const output = await waitForOutput(child, 'Press Ctrl+C to stop.', 45_000);
  const url = /API:\s+(http:\/\/\S+)/.exec(output)?.[1];
  const token = /^\s+(b0\w_\S+)$/m.exec(output)?.[1];
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(token).toBeDefined();
  expect(output).toContain(`${url}/api/docs`);
  expect(output).toContain(`${url}/api/openapi.json`);
  expect(output).toContain(`border0 login --token ${token} --api-url ${url}`);
  expect(readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()).toBe(token);
  expect(statSync(join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
  // The owner's first password is printed once and kept next to the token, readable only by its owner.
  const password = readFileSync(join(dataDir, 'admin-password'), 'utf8').trim();
  expect(password.length).toBeGreaterThanOrEqual(12);
  expect(output).toContain(`  ${password}\n`);
  expect(statSync(join(dataDir, 'admin-password')).mode & 0o777).toBe(0o600);
  // A first start on a machine without a CLI login logs the CLI in.
  expect(parse(readFileSync(join(configDir, 'config.yaml'), 'utf8'))).toMatchObject({
    current_organization: 'local',
    organizations: { local: { token, api_url: url } },
  });

  const docs = await fetch(`${url}/api/docs`);
  expect(docs.status).toBe(200);
  expect(await docs.text()).toContain('/api/openapi.json');

  child.kill('SIGTERM');
  expect(await waitForExit(child, 15_000)).toBe(0);
});

it('serves metrics only on the operations address that --metrics-listen names', async () => {
  const home = tempDir('start-metrics');
  dirs.push(home);
  const args = [
    'start',
    '--port',
    '0',
    '--no-proxy',
    '--data-dir',
    join(home, 'data'),
    '--metrics-listen',
    '127.0.0.1:0',
  ];
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, BORDER0_CONFIG_DIR: join(home, 'config') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);

  const output = await waitForOutput(child, 'Press Ctrl+C to stop.', 45_000);
  const url = /API:\s+(http:\/\/\S+)/.exec(output)?.[1];
  const metrics = /Metrics:\s+(http:\/\/\S+)/.exec(output)?.[1];
  expect(metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  expect(metrics).not.toContain(`${url}/`);
  const res = await fetch(metrics!);
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('border0_http_requests_total');
  expect((await fetch(`${url}/metrics`)).status).toBe(404);

  child.kill('SIGTERM');
  expect(await waitForExit(child, 15_000)).toBe(0);
});
