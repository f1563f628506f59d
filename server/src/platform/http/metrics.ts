/** Prometheus metrics of the API: one registry per server, so several servers can live in one process. */
import type { MiddlewareHandler } from 'hono';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(options: { defaultMetrics: boolean }) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'border0_' });
  const requests = new Counter({
    name: 'border0_http_requests_total',
    help: 'API requests by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'border0_http_request_duration_seconds',
    help: 'API request duration by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  const middleware: MiddlewareHandler = async function recordMetrics(c, next) {
    const end = duration.startTimer();
    await next();
    const route = c.req.routePath || 'unmatched';
    requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    end({ method: c.req.method, route });
  };
  return { registry, middleware };
}
