import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ServerHandle, startServer } from '@border0/server';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const example = fileURLToPath(new URL('../create-socket.ts', import.meta.url));
let server: ServerHandle;

beforeAll(async () => {
  server = await startServer({
    dataDir: 'memory://',
    port: 0,
    logger: pino({ level: 'silent' }),
    defaultMetrics: false,
  });
});
afterAll(() => server?.close());

describe('examples/create-socket.ts', () => {
  it('creates a socket through the SDK and lists it with its dnsname', async () => {
    const env = { ...process.env, BORDER0_API_URL: server.url, BORDER0_TOKEN: server.bootstrap!.token };
    const first = await run('npx', ['tsx', example, 'web', 'http://127.0.0.1:3000'], { env });
    expect(first.stdout).toContain('created web: web-local.localhost');
    expect(first.stdout).toMatch(/^web\thttp\tweb-local\.localhost$/m);
    const again = await run('npx', ['tsx', example, 'web'], { env });
    expect(again.stdout).toContain('web already exists');
  });
});
