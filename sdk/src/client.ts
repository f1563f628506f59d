/**
 * The typed Border0 API client. Methods mirror the HTTP verbs over the generated `paths`, return the
 * response body, and throw one `Border0Error` for any failed call, so `await b0.get(...)` is the data.
 *
 * @example
 * const b0 = createClient({ baseUrl: 'http://127.0.0.1:6080', token: process.env.BORDER0_TOKEN });
 * const socket = await b0.post('/api/v1/sockets', { body: { name: 'web', socket_type: 'http', ... } });
 * for await (const s of b0.paginate('/api/v1/sockets', { params: { query: { socket_type: 'http' } } })) {
 *   console.log(s.dnsname);
 * }
 */
import createFetchClient, { type Client, type FetchResponse, type MaybeOptionalInit } from 'openapi-fetch';
import type { HttpMethod, MediaType, PathsWithMethod, RequiredKeysOf } from 'openapi-typescript-helpers';
import { Border0Error } from './border0-error.js';
import type { paths } from './generated/api.js';
import { type RetryOptions, retryingFetch } from './retrying-fetch.js';

export interface ClientOptions {
  /** Where the API runs; defaults to `BORDER0_API_URL`, then `http://127.0.0.1:6080`. */
  baseUrl?: string | undefined;
  /**
   * A bearer token; defaults to `BORDER0_TOKEN`. A function is asked before every request, so a long-lived
   * client can follow a token that is refreshed meanwhile (e.g. a device login's short-lived access token).
   */
  token?: string | TokenProvider | undefined;
  /** Retries of idempotent calls on network errors, 429 and 503. */
  retry?: RetryOptions | undefined;
  /** The fetch to use, e.g. an app's handler in tests. */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  /** Sent on every request, e.g. a User-Agent. */
  headers?: Record<string, string> | undefined;
}

export type TokenProvider = () => string | undefined | Promise<string | undefined>;

type InitParam<Init> = RequiredKeysOf<Init> extends never ? [Init?] : [Init];
type Data<P extends keyof paths, M extends HttpMethod, Init> = NonNullable<
  FetchResponse<paths[P][M] & Record<string | number, unknown>, Init, MediaType>['data']
>;
type Method<M extends HttpMethod> = <
  P extends PathsWithMethod<paths, M>,
  Init extends MaybeOptionalInit<paths[P], M>,
>(
  path: P,
  ...init: InitParam<Init>
) => Promise<Data<P, M, Init>>;

/** Paths answering GET with a page: `{ items, next_cursor }`. */
type PagedPath = {
  [P in PathsWithMethod<paths, 'get'>]: Data<P, 'get', MaybeOptionalInit<paths[P], 'get'>> extends {
    items: unknown[];
    next_cursor: string | null;
  }
    ? P
    : never;
}[PathsWithMethod<paths, 'get'>];
type PageItem<P extends PagedPath> =
  Data<P, 'get', MaybeOptionalInit<paths[P], 'get'>> extends { items: (infer T)[] } ? T : never;

export interface Border0Client {
  get: Method<'get'>;
  post: Method<'post'>;
  put: Method<'put'>;
  patch: Method<'patch'>;
  delete: Method<'delete'>;
  /** Every item of a paginated list, fetching pages as the loop goes. */
  paginate<P extends PagedPath, Init extends MaybeOptionalInit<paths[P], 'get'>>(
    path: P,
    ...init: InitParam<Init>
  ): AsyncGenerator<PageItem<P>, void, undefined>;
  /** The underlying openapi-fetch client, for responses' headers (ETag) and other low-level needs. */
  raw: Client<paths>;
}

export function createClient(options: ClientOptions = {}): Border0Client {
  const env = typeof process === 'undefined' ? {} : process.env;
  const baseUrl = (options.baseUrl ?? env.BORDER0_API_URL ?? 'http://127.0.0.1:6080').replace(/\/+$/, '');
  const token = options.token ?? env.BORDER0_TOKEN;
  const inner = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const raw = createFetchClient<paths>({
    baseUrl,
    fetch: retryingFetch(inner, options.retry),
    headers: {
      ...options.headers,
      ...(typeof token === 'string' && token && { authorization: `Bearer ${token}` }),
    },
  });
  raw.use({
    async onRequest({ request }) {
      if (typeof token === 'function') {
        const current = await token();
        if (current) request.headers.set('authorization', `Bearer ${current}`);
      }
      // Creates carry an Idempotency-Key, so a retried create never creates twice.
      if (request.method === 'POST' && !request.headers.has('idempotency-key')) {
        request.headers.set('idempotency-key', globalThis.crypto.randomUUID());
      }
      return request;
    },
    async onResponse({ response }) {
      if (!response.ok) throw await Border0Error.fromResponse(response);
      return undefined;
    },
  });

  const call =
    <M extends HttpMethod>(method: Uppercase<M>) =>
    async (path: string, init?: object) => {
      const fn = raw[method as 'GET'] as unknown as (p: string, i?: object) => Promise<{ data?: unknown }>;
      const { data } = await fn(path, init);
      return data;
    };
  const get = call<'get'>('GET');

  async function* paginate(path: string, init?: { params?: { query?: Record<string, unknown> } }) {
    let cursor: string | undefined;
    do {
      const query = { ...init?.params?.query, ...(cursor && { cursor }) };
      const page = (await get(path, { ...init, params: { ...init?.params, query } })) as {
        items: unknown[];
        next_cursor: string | null;
      };
      yield* page.items;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  return {
    get: get as Method<'get'>,
    post: call<'post'>('POST') as Method<'post'>,
    put: call<'put'>('PUT') as Method<'put'>,
    patch: call<'patch'>('PATCH') as Method<'patch'>,
    delete: call<'delete'>('DELETE') as Method<'delete'>,
    paginate: paginate as Border0Client['paginate'],
    raw,
  };
}
