/** Short calls for the data plane's suites: as the owner, as a proxy, as a connector, and status checks. */
import { expect } from 'vitest';
import type { Harness } from '../harness.js';

// biome-ignore lint/suspicious/noExplicitAny: bodies are plain JSON, checked by the assertions
export type Body = any;

interface Init {
  method?: string;
  json?: unknown;
  headers?: Record<string, string>;
}

export function apiCalls(harness: () => Harness) {
  return {
    /** The body, after checking the status (with the body in the message when it is another). */
    async read(res: Response | Promise<Response>, status = 200): Promise<Body> {
      const r = await res;
      const text = await r.text();
      expect(r.status, text).toBe(status);
      return text ? JSON.parse(text) : undefined;
    },
    /** `/api/v1<path>` with the owner's token, or `token`. */
    owner: (path: string, init: Init & { token?: string } = {}) => harness().request(`/api/v1${path}`, init),
    asProxy: (path: string, init: Init = {}) =>
      harness().request(`/api/v1/proxy${path}`, { ...init, token: harness().proxyToken }),
    asConnector: (token: string, path: string, init: Init = {}) =>
      harness().request(`/api/v1/connector${path}`, { ...init, token }),
    tlsSocket: (name: string, extra: Record<string, unknown> = {}) => ({
      name,
      socket_type: 'tls',
      upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
      ...extra,
    }),
  };
}
