/** Test support: a real API server in the test process, on a fresh data directory, for the CLI to talk to. */
import { rmSync } from 'node:fs';
import { type ServerHandle, startServer } from '@border0/server';
import { tempDir } from '@border0/testing';
import { pino } from 'pino';

export interface TestServer {
  server: ServerHandle;
  token: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const dataDir = tempDir('data');
  const server = await startServer({
    dataDir,
    port: 0,
    logger: pino({ level: 'silent' }),
    defaultMetrics: false,
  });
  if (!server.bootstrap) throw new Error('a fresh data directory should bootstrap an organization');
  return {
    server,
    token: server.bootstrap.token,
    dataDir,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
