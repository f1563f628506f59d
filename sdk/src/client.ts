/**
 * The typed Border0 API client. Methods mirror the HTTP verbs over the generated `paths`, return the
 * response body, and throw a typed `Border0Error` for any failed call, so `await b0.get(...)` is the data.
 *
 * Retries repeat only what is safe: GET, HEAD, PUT and DELETE, and the POSTs the spec marks `x-idempotent`
 * (creates carry an `Idempotency-Key`, the same on every attempt, so a create retried after a lost answer
 * creates once). One-time actions (a token refresh, an approval, a termination) are sent once.
 *
 * @example
 * const b0 = createClient({ baseUrl: 'http://127.0.0.1:6080', token: process.env.BORDER0_TOKEN });
 * const socket = await b0.post('/api/v1/sockets', { body: { name: 'web', socket_type: 'http', ... } });
 * for await (const s of b0.paginate('/api/v1/sockets', { params: { query: { socket_type: 'http' } } })) {
 *   console.log(s.dnsname);
 * }
 * await b0.modify('/api/v1/sockets/{socket}', { params: { path: { socket: 'web' } }, conflictRetries: 3 },
 *   (current) => ({ tags: { ...current.tags, team: 'infra' } }));
 */
import createFetchClient, { type Client, type FetchResponse, type MaybeOptionalInit } from 'openapi-fetch';
import type { HttpMethod, MediaType, PathsWithMethod, RequiredKeysOf } from 'openapi-typescript-helpers';
import { Border0Error, Border0PreconditionFailedError } from './border0-error.js';
import type { paths } from './generated/api.js';
import { IDEMPOTENT_OPERATIONS } from './generated/idempotent-operations.js';
import { isIdempotentMethod, type RetryOptions, sendWithRetries } from './retrying-fetch.js';

export interface ClientOptions {
  /** Where the API runs; defaults to `BORDER0_API_URL`, then `http://127.0.0.1:6080`. */
  baseUrl?: string | undefined;
  /**
   * A bearer token; defaults to `BORDER0_TOKEN`. A function is asked before every request, so a long-lived
   * client can follow a token that is refreshed meanwhile (e.g. a device login's short-lived access token).
   */
  token?: string | TokenProvider | undefined;
  /** Retries of calls that are safe to repeat, on network errors, timeouts, 429, 502, 503 and 504. */
  retry?: RetryOptions | undefined;
  /** How long one attempt waits for an answer before it fails with `Border0TimeoutError`; none by default. */
  timeoutMs?: number | undefined;
  /** The fetch to use, e.g. an app's handler in tests. */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  /** Sent on every request, e.g. a User-Agent. */
  headers?: Record<string, string> | undefined;
}

/** Options of one call, besides the operation's own (`params`, `body`, `headers`). */
export interface CallOptions {
  /** Ends the call at once with `Border0AbortError`, also while it waits to retry. */
  signal?: AbortSignal | undefined;
  /** Replaces the client's `timeoutMs` for this call's attempts. */
  timeoutMs?: number | undefined;
  /** Replaces the client's retry options for this call; `false` sends it once. */
  retry?: RetryOptions | false | undefined;
  /** The `Idempotency-Key` of a create, instead of a random one: e.g. to repeat it across processes. */
  idempotencyKey?: string | undefined;
}

export type TokenProvider = () => string | undefined | Promise<string | undefined>;

type InitParam<Init> = RequiredKeysOf<Init> extends never ? [(Init & CallOptions)?] : [Init & CallOptions];
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

type GetInit<P extends PathsWithMethod<paths, 'get'>> = MaybeOptionalInit<paths[P], 'get'>;
type GetData<P extends PathsWithMethod<paths, 'get'>> = Data<P, 'get', GetInit<P>>;

/** Paths answering GET with a page: `{ items, next_cursor }`. Every list operation of the API is one. */
export type PagedPath = {
  [P in PathsWithMethod<paths, 'get'>]: GetData<P> extends { items: unknown[]; next_cursor: string | null }
    ? P
    : never;
}[PathsWithMethod<paths, 'get'>];
type PageItem<P extends PagedPath> = GetData<P> extends { items: (infer T)[] } ? T : never;

/** Paths that answer GET with an ETag and take PATCH with `If-Match`: what `modify` changes. */
export type ModifiablePath = Extract<PathsWithMethod<paths, 'get'>, PathsWithMethod<paths, 'patch'>>;
type PatchBody<P extends ModifiablePath> = paths[P]['patch'] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

export interface ModifyOptions {
  /**
   * How many times to read again and re-apply the change when someone else changed the resource in between
   * (412). Default 0: the `Border0PreconditionFailedError` goes to the caller.
   */
  conflictRetries?: number | undefined;
}

export interface Border0Client {
  get: Method<'get'>;
  post: Method<'post'>;
  put: Method<'put'>;
  patch: Method<'patch'>;
  delete: Method<'delete'>;
  /**
   * Every item of a paginated list, fetching pages as the loop goes, each once.
   *
   * @example
   * for await (const entry of b0.paginate('/api/v1/audit', { params: { query: { limit: 200 } } })) { ... }
   */
  paginate<P extends PagedPath, Init extends GetInit<P>>(
    path: P,
    ...init: InitParam<Init>
  ): AsyncGenerator<PageItem<P>, void, undefined>;
  /**
   * Read-modify-write with optimistic concurrency: GET the resource and its ETag, ask `change` for the PATCH
   * body (undefined: nothing to change, the current item is answered), PATCH it with `If-Match`. When the
   * resource changed meanwhile (412), reads again and re-applies `change`, up to `conflictRetries` times.
   *
   * @example
   * await b0.modify('/api/v1/policies/{policy}', { params: { path: { policy: 'ops' } }, conflictRetries: 3 },
   *   (policy) => ({ description: `${policy.description} (reviewed)` }));
   */
  modify<P extends ModifiablePath, Init extends GetInit<P>>(
    path: P,
    init: Init & CallOptions & ModifyOptions,
    change: (current: GetData<P>) => PatchBody<P> | undefined | Promise<PatchBody<P> | undefined>,
  ): Promise<GetData<P>>;
  /** The underlying openapi-fetch client, for responses' headers (ETag) and other low-level needs. */
  raw: Client<paths>;
}

export function createClient(options: ClientOptions = {}): Border0Client {
  const env = typeof process === 'undefined' ? {} : process.env;
  const baseUrl = (options.baseUrl ?? env.BORDER0_API_URL ?? 'http://127.0.0.1:6080').replace(/\/+$/, '');
  const token = options.token ?? env.BORDER0_TOKEN;
  const inner = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  /** The requests that may be repeated, as the middleware found from their operation. */
  const repeatable = new WeakSet<Request>();
  const transport = (call: CallOptions) => (request: Request) =>
    sendWithRetries(inner, request, {
      retryable: call.retry !== false && repeatable.has(request),
      retry: call.retry === false ? undefined : (call.retry ?? options.retry),
      timeoutMs: call.timeoutMs ?? options.timeoutMs,
    });
  const raw = createFetchClient<paths>({
    baseUrl,
    fetch: transport({}),
    headers: {
      ...options.headers,
      ...(typeof token === 'string' && token && { authorization: `Bearer ${token}` }),
    },
  });
  raw.use({
    async onRequest({ request, schemaPath }) {
      if (typeof token === 'function') {
        const current = await token();
        if (current) request.headers.set('authorization', `Bearer ${current}`);
      }
      const marked =
        IDEMPOTENT_OPERATIONS[`${request.method} ${schemaPath}` as keyof typeof IDEMPOTENT_OPERATIONS];
      if (isIdempotentMethod(request.method) || marked) repeatable.add(request);
      // The same key on every attempt: the server answers a repeat with the first result.
      if (marked?.idempotencyKey && !request.headers.has('idempotency-key')) {
        request.headers.set('idempotency-key', globalThis.crypto.randomUUID());
      }
      return undefined;
    },
    async onResponse({ response }) {
      if (!response.ok) throw await Border0Error.fromResponse(response);
      return undefined;
    },
  });

  type Init = CallOptions & { headers?: Record<string, unknown>; [key: string]: unknown };
  const send = async (method: string, path: string, init: Init = {}) => {
    const { timeoutMs, retry, idempotencyKey, ...rest } = init;
    const headers =
      idempotencyKey === undefined ? rest.headers : { ...rest.headers, 'idempotency-key': idempotencyKey };
    const fn = raw[method as 'GET'] as unknown as (
      p: string,
      i?: object,
    ) => Promise<{ data?: unknown; response: Response }>;
    return fn(path, { ...rest, headers, fetch: transport({ timeoutMs, retry }) });
  };
  const call = (method: string) => async (path: string, init?: Init) => (await send(method, path, init)).data;

  async function* paginate(path: string, init: Init & { params?: { query?: Record<string, unknown> } } = {}) {
    let cursor: string | undefined;
    do {
      const query = { ...init.params?.query, ...(cursor && { cursor }) };
      const page = (await call('GET')(path, { ...init, params: { ...init.params, query } })) as {
        items: unknown[];
        next_cursor: string | null;
      };
      yield* page.items;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  async function modify(
    path: string,
    init: Init & ModifyOptions,
    change: (current: unknown) => unknown,
  ): Promise<unknown> {
    const { conflictRetries = 0, ...rest } = init;
    for (let attempt = 0; ; attempt++) {
      const { data: current, response } = await send('GET', path, rest);
      const etag = response.headers.get('etag');
      if (!etag) throw new TypeError(`GET ${path} answered no ETag: it cannot be changed with If-Match`);
      const body = await change(current);
      if (body === undefined) return current;
      try {
        return await call('PATCH')(path, { ...rest, body, headers: { ...rest.headers, 'if-match': etag } });
      } catch (error) {
        if (error instanceof Border0PreconditionFailedError && attempt < conflictRetries) continue;
        throw error;
      }
    }
  }

  return {
    get: call('GET') as Method<'get'>,
    post: call('POST') as Method<'post'>,
    put: call('PUT') as Method<'put'>,
    patch: call('PATCH') as Method<'patch'>,
    delete: call('DELETE') as Method<'delete'>,
    paginate: paginate as Border0Client['paginate'],
    modify: modify as Border0Client['modify'],
    raw,
  };
}
