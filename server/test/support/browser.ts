/** Test support: a browser over the app's fetch: a cookie jar per host, forms, redirects not followed. */

type AppFetch = (request: Request) => Promise<Response> | Response;

export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly fetch: AppFetch,
    readonly origin = 'http://test',
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private async send(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', this.cookieHeader());
    const res = await this.fetch(
      new Request(`${this.origin}${path}`, { ...init, headers, redirect: 'manual' }),
    );
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, value = ''] = pair!.split(/=(.*)/s);
      const gone = attributes.some((a) => /^\s*max-age=0$/i.test(a)) || value === '';
      if (gone) this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value);
    }
    return res;
  }

  async get(path: string) {
    const res = await this.send(path);
    return { res, html: await res.text() };
  }

  /** Posts a form, with the CSRF field taken from the jar unless `fields` names one. */
  async post(path: string, fields: Record<string, string>) {
    const body = new URLSearchParams({ csrf: this.cookies.get('border0_csrf') ?? '', ...fields });
    const res = await this.send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    return { res, html: await res.text() };
  }

  /** Opens the login page and logs in: the final answer (a redirect, the TOTP form, or the logged-in page). */
  async logIn(email: string, password: string, returnTo = '') {
    await this.get(`/login?return_to=${encodeURIComponent(returnTo)}`);
    return this.post('/login', { email, password, return_to: returnTo });
  }
}

/** The `code` and `return_to` of a redirect to an HTTP socket's `/.border0/callback`. */
export function callbackOf(res: Response): { origin: string; code: string; returnTo: string } {
  const location = res.headers.get('location');
  if (res.status !== 303 || !location) throw new Error(`expected a redirect, got ${res.status}`);
  const url = new URL(location);
  if (url.pathname !== '/.border0/callback') throw new Error(`not a callback: ${location}`);
  return {
    origin: url.origin,
    code: url.searchParams.get('code')!,
    returnTo: url.searchParams.get('return_to')!,
  };
}
