/** Health endpoints, served on the API and on the operations address alike: liveness and store readiness. */
import { Hono } from 'hono';
import { sql } from 'kysely';
import type { Store } from '../db/database.js';

export function healthRoutes(db: Store) {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await sql`select 1`.execute(db);
      return c.json({ status: 'ready' });
    } catch {
      return c.json({ status: 'store unavailable' }, 503);
    }
  });
  return app;
}
