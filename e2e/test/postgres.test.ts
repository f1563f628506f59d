/**
 * The control plane is stateless: two `border0 start` processes over one PostgreSQL database serve the same
 * organization, and what one writes the other reads at once.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform, tempDir } from './processes.js';

const ADMIN_URL = process.env.BORDER0_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `border0_e2e_${randomBytes(5).toString('hex')}`;
const platforms: Platform[] = [];

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

beforeAll(() => admin(`create database ${database}`));
afterAll(async () => {
  await Promise.all(platforms.map((p) => p.stop()));
  await admin(`drop database if exists ${database} with (force)`);
});

describe('several API servers over one PostgreSQL', () => {
  it('bootstraps once and shares every change', async () => {
    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    const secretKey = randomBytes(32).toString('hex');
    const dataDirs = [tempDir('pg-a'), tempDir('pg-b')];
    for (const dataDir of dataDirs) {
      platforms.push(
        await startPlatform(['--data-dir', dataDir, '--no-proxy', '--database-url', url.toString()], {
          BORDER0_CONFIG_DIR: tempDir('config'),
          BORDER0_SECRET_KEY: secretKey,
        }),
      );
    }
    const [a, b] = platforms as [Platform, Platform];
    expect(a.output()).toMatch(/Admin token for organization local/);
    expect(b.output()).not.toMatch(/Admin token for organization/);

    const token = readFileSync(join(dataDirs[0]!, 'admin-token'), 'utf8').trim();
    const viaA = createClient({ baseUrl: a.url, token });
    const viaB = createClient({ baseUrl: b.url, token });
    const socket = await viaA.post('/api/v1/sockets', {
      body: {
        name: 'pg',
        socket_type: 'database',
        upstream_configuration: {
          type: 'database',
          protocol: 'postgres',
          hostname: '127.0.0.1',
          port: 5432,
          authentication_type: 'username_and_password',
          username: 'app',
          password: 's3cret',
        },
      },
    });
    const seen = await viaB.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'pg' } } });
    expect(seen.id).toBe(socket.id);
    expect(seen.upstream_configuration).toMatchObject({ type: 'database', password_set: true });
    expect(JSON.stringify(seen)).not.toContain('s3cret');
  });
});
