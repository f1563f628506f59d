import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ServerHandle, startServer } from '@border0/server';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const example = fileURLToPath(new URL('../declarative-apply.ts', import.meta.url));
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

describe('examples/declarative-apply.ts', () => {
  it('plans a document, applies it, and plans no change after', async () => {
    const env = { ...process.env, BORDER0_API_URL: server.url, BORDER0_TOKEN: server.bootstrap!.token };
    const file = join(mkdtempSync(join(tmpdir(), 'border0-example-')), 'resources.json');
    writeFileSync(
      file,
      JSON.stringify({
        sockets: [
          {
            name: 'docs',
            socket_type: 'http',
            upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 3000 },
          },
        ],
      }),
    );
    const first = await run('npx', ['tsx', example, file, '--apply'], { env });
    expect(first.stdout).toContain('create socket docs');
    expect(first.stdout).toContain('applied 1 changes');
    const again = await run('npx', ['tsx', example, file], { env });
    expect(again.stdout.trim()).toBe('no changes');
  });
});
