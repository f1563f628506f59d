/**
 * Composes the API: request ids, logs, metrics, limits, authentication, one router per resource, the
 * OpenAPI document and its reference, and health endpoints.
 */
import { OpenAPIHono, type z } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { identityProviderButtons, oidcLoginRoutes } from './identity-providers/oidc-login-routes.js';
import { RelyingParty } from './identity-providers/oidc-relying-party.js';
import { JWKS_PATH } from './identity-tokens/jwks-routes.js';
import { PUBLIC_API_PATHS } from './login/device-login-routes.js';
import { devicePageRoutes } from './login/device-page.js';
import { authenticate } from './platform/auth/authenticate.js';
import { apiDocsRoutes } from './platform/http/api-docs.js';
import { limitBody } from './platform/http/body-limit.js';
import type { AppEnv } from './platform/http/env.js';
import { healthRoutes } from './platform/http/health.js';
import { guardInput } from './platform/http/input-guard.js';
import { createMetrics, type Metrics } from './platform/http/metrics.js';
import { ApiError, fieldErrorsFromIssues, sendProblem } from './platform/http/problem.js';
import { assignRequestIds } from './platform/http/request-id.js';
import { isChunkUpload } from './recordings/proxy-recording-routes.js';
import { apiRouters } from './routers.js';
import type { Services } from './services.js';
import { WEB_IDENTITY_PATH } from './web-identities/web-identity-exchange-routes.js';
import { COOKIE_API_PATHS } from './web-login/account-security-routes.js';
import { authenticateLoginCookie, usesLoginCookie } from './web-login/login-cookie-auth.js';
import { loginPageRoutes } from './web-login/login-page.js';
import { portalRoutes } from './web-login/portal-routes.js';

export const API_INFO = {
  title: 'Border0 API',
  version: '0.1.0',
  description:
    'The zero-trust access platform: publish private services as sockets, decide access with policies, ' +
    'and record every session. Authenticate with `Authorization: Bearer <token>`. Prometheus metrics are ' +
    'not served here: an operator enables them on a separate operations address (`border0 start ' +
    '--metrics-listen 127.0.0.1:9464`, or `BORDER0_METRICS_LISTEN`), which also answers `/healthz` and `/readyz`. ' +
    'Retries: GET, HEAD, PUT and DELETE may be repeated; a POST only when its operation is marked ' +
    '`x-idempotent: true`, and a create so marked with the same `Idempotency-Key` each time (the same key and ' +
    'body answer the first result; the same key with another body, 422). Other POSTs are one-time actions.',
} as const;

export const MAX_BODY_BYTES = 1024 * 1024;

export interface AppOptions {
  /** Collect process metrics (off in tests that start many servers in one process). */
  defaultMetrics?: boolean;
  /** Where request metrics are counted; served on the operations address (see operations-app.ts), not here. */
  metrics?: Metrics;
  /** The built portal (portal/dist): served at `/` when given. */
  portalDir?: string;
}

export function createApp(services: Services, options: AppOptions = {}) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const metrics = options.metrics ?? createMetrics({ defaultMetrics: options.defaultMetrics ?? true });

  app.use(assignRequestIds());
  app.use(async function logRequest(c, next) {
    const clientRequestId = c.get('clientRequestId');
    const logger = services.logger.child({
      request_id: c.get('requestId'),
      ...(clientRequestId !== undefined && { client_request_id: clientRequestId }),
    });
    c.set('logger', logger);
    const started = performance.now();
    await next();
    logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  app.use(metrics.middleware);
  app.use('/api/v1/*', limitBody(MAX_BODY_BYTES));
  app.use('/device', limitBody(MAX_BODY_BYTES));
  for (const path of ['/login', '/login/*', '/logout']) app.use(path, limitBody(MAX_BODY_BYTES));
  app.use('/api/v1/*', requireJsonBody);
  const requireToken = authenticate(services);
  // Device login starts without a token (exactly its operations, nothing under them); upstream apps read an
  // organization's JWKS without one; a CI job trades its OIDC token for a service account's with none.
  const isPublic = (path: string) =>
    PUBLIC_API_PATHS.has(path) || JWKS_PATH.test(path) || path === WEB_IDENTITY_PATH;
  // Logging out everywhere also takes the browser login cookie (its route checks it and the CSRF header).
  const byCookie = (c: import('hono').Context) =>
    COOKIE_API_PATHS.has(c.req.path) && c.req.header('authorization') === undefined;
  // The portal's requests: the browser login cookie, same-origin only, CSRF header on changes.
  const byLogin = authenticateLoginCookie(services.db);
  app.use('/api/v1/*', (c, next) => {
    if (isPublic(c.req.path) || byCookie(c)) return next();
    return usesLoginCookie(c) ? byLogin(c, next) : requireToken(c, next);
  });
  // After authentication, so that a request without a valid token is refused before its body is examined.
  app.use('/api/v1/*', guardInput());
  app.use('/device', guardInput());
  for (const path of ['/login', '/login/*', '/logout']) app.use(path, guardInput());

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description:
      'An admin, service account or connector token of an organization, or a proxy token (platform-level, ' +
      'for the `Proxy` operations only).',
  });
  for (const router of apiRouters(services)) app.route('/api/v1', router);

  app.route('/', devicePageRoutes(services));
  app.route('/', loginPageRoutes(services, { loginOptions: identityProviderButtons(services) }));
  app.route('/', oidcLoginRoutes(services, new RelyingParty((sealed) => services.secrets.open(sealed))));
  app.get('/api/openapi.json', (c) => c.json(openApiDocument(app)));
  app.route('/', apiDocsRoutes('Border0 API reference'));
  app.route('/', healthRoutes(services.db));
  if (options.portalDir !== undefined) app.route('/', portalRoutes(services, options.portalDir));

  app.notFound((c) => sendProblem(c, new ApiError('not_found', `no route ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => {
    if (error instanceof ApiError) return sendProblem(c, error);
    if (error instanceof HTTPException && error.status < 500) {
      const malformed = /json/i.test(error.message);
      return sendProblem(
        c,
        malformed
          ? new ApiError('malformed_json', 'the body is not valid JSON', [
              { field: '(body)', message: error.message },
            ])
          : new ApiError('validation', error.message),
      );
    }
    (c.get('logger') ?? services.logger).error({ err: error }, 'unhandled error');
    return sendProblem(
      c,
      new ApiError('internal', 'something went wrong; the request id tells the operator where'),
    );
  });
  return app;
}

export type App = ReturnType<typeof createApp>;

/** The OpenAPI 3.1 document of this server: what spec/openapi.yaml must equal. */
export function openApiDocument(app: OpenAPIHono<AppEnv>): Record<string, unknown> {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { ...API_INFO },
    servers: [{ url: '/', description: 'This server' }],
    security: [{ bearerAuth: [] }],
  }) as unknown as Record<string, unknown>;
}

function validationHook(result: { success: boolean; target: string; error?: z.ZodError }): undefined {
  if (result.success || !result.error) return undefined;
  const errors = fieldErrorsFromIssues(result.error.issues);
  const where = result.target === 'json' ? '' : ` (${result.target})`;
  throw new ApiError(
    'validation',
    `${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}${where}`,
    errors,
  );
}

/**
 * Bodies of writes must be JSON: anything else is a 415 before it reaches a route. Recording chunks are bytes:
 * their route checks their media type itself.
 */
async function requireJsonBody(c: import('hono').Context, next: () => Promise<void>) {
  const method = c.req.method;
  if (isChunkUpload(method, c.req.path)) return next();
  if (method === 'POST' || method === 'PATCH' || method === 'PUT') {
    const type = c.req.header('content-type') ?? '';
    const length = c.req.header('content-length');
    const hasBody = length !== undefined ? length !== '0' : c.req.raw.body !== null;
    if (hasBody && !/^application\/(.+\+)?json\b/i.test(type)) {
      throw new ApiError('unsupported_media_type', 'send the body as application/json');
    }
  }
  await next();
}
