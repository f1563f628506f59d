/**
 * The operations address: Prometheus metrics (and health), apart from the API. Metrics tell every
 * organization's traffic and the process's state, so they are not on the API's public address; an operator
 * opts in with `metricsListen` (`--metrics-listen`, `BORDER0_METRICS_LISTEN`) and binds it to loopback or a
 * private network that Prometheus can reach. Nothing here takes or needs a token.
 */
import { Hono } from 'hono';
import type { Store } from '../db/database.js';
import { healthRoutes } from './health.js';
import type { Metrics } from './metrics.js';

export function createOperationsApp(metrics: Metrics, db: Store) {
  const app = new Hono();
  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );
  app.route('/', healthRoutes(db));
  app.notFound((c) => c.text('not found: this address serves /metrics, /healthz and /readyz\n', 404));
  return app;
}
