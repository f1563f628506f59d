/**
 * A per-key request budget for the endpoints that take no token (device login, the approval page), so that
 * nobody can flood the store with logins or guess passwords at speed. Fixed windows kept in memory: each
 * server instance counts on its own, which bounds the rate per instance; that is enough for abuse control.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';
import { ApiError } from './problem.js';

export interface RateLimitOptions {
  /** Requests allowed per window and key. */
  limit: number;
  windowMs: number;
  /** What is counted, e.g. the client address; `undefined` is not limited. */
  key: (c: Context<AppEnv>) => string | undefined;
}

export class RateLimiter {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of `key`; returns 0 when allowed, else the seconds until the window ends. */
  take(key: string): number {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.windowMs) {
      if (this.windows.size >= 10_000) this.forgetEnded(now);
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    if (window.count <= this.limit) return 0;
    return Math.max(1, Math.ceil((window.startedAt + this.windowMs - now) / 1000));
  }

  /** Bounds memory under a spray of addresses: windows that ended carry no information. */
  private forgetEnded(now: number) {
    for (const [key, window] of this.windows) {
      if (now - window.startedAt >= this.windowMs) this.windows.delete(key);
    }
  }
}

export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const limiter = new RateLimiter(options.limit, options.windowMs);
  return async function limitRate(c, next) {
    const key = options.key(c);
    const retryAfter = key === undefined ? 0 : limiter.take(key);
    if (retryAfter > 0) {
      c.header('retry-after', String(retryAfter));
      throw new ApiError('rate_limited', `too many requests from this address; try again in ${retryAfter} s`);
    }
    await next();
  };
}
