/**
 * The control plane is stateless: two `border0 start` processes over one PostgreSQL database serve the same
 * organization, and what one writes the other reads at once.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import {
  createPostgresDatabase,
  type Platform,
  startPlatform,
  type ThrowawayDatabase,
  tempDir,
} from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: ThrowawayDatabase;
const platforms: Platform[] = [];

beforeAll(async () => {
  database = await createPostgresDatabase();
});
afterAll(async () => {
  await Promise.all(platforms.map((p) => p.stop()));
  await database?.drop();
});

describe('several API servers over one PostgreSQL', () => {
  it('bootstraps once and shares every change', async () => {
    const secretKey = randomBytes(32).toString('hex');
    const dataDirs = [tempDir('pg-a'), tempDir('pg-b')];
    for (const dataDir of dataDirs) {
      platforms.push(
        await startPlatform(['--data-dir', dataDir, '--no-proxy', '--database-url', database.url], {
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
