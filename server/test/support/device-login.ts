/** Test support: the browser's side of device login, driven over the app's fetch. */
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

type AppFetch = (request: Request) => Promise<Response> | Response;

export interface DeviceStart {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

export async function startLogin(fetch: AppFetch, organization?: string): Promise<DeviceStart> {
  const res = await fetch(
    new Request('http://test/api/v1/auth/device', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(organization ? { organization } : {}),
    }),
  );
  if (res.status !== 200) throw new Error(`startDeviceLogin: ${res.status} ${await res.text()}`);
  return (await res.json()) as DeviceStart;
}

export function pollToken(fetch: AppFetch, deviceCode: string): Promise<Response> {
  return Promise.resolve(
    fetch(
      new Request('http://test/api/v1/auth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: DEVICE_GRANT, device_code: deviceCode }),
      }),
    ),
  );
}

function postJson(fetch: AppFetch, path: string, body: unknown): Promise<Response> {
  return Promise.resolve(
    fetch(
      new Request(`http://test${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    ),
  );
}

export const refreshToken = (fetch: AppFetch, token: string) =>
  postJson(fetch, '/api/v1/auth/token', { grant_type: 'refresh_token', refresh_token: token });

export const revokeToken = (fetch: AppFetch, token: string) =>
  postJson(fetch, '/api/v1/auth/revoke', { token });

/** Opens the approval page: its HTML, the CSRF field's value and the CSRF cookie. */
export async function openPage(fetch: AppFetch, userCode?: string) {
  const query = userCode ? `?user_code=${encodeURIComponent(userCode)}` : '';
  const res = await fetch(new Request(`http://test/device${query}`));
  const html = await res.text();
  const csrf = html.match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { res, html, csrf, cookie };
}

/** Submits the approval form; `cookie` and `csrf` default to a fresh page's. */
export async function submitForm(
  fetch: AppFetch,
  fields: Record<string, string>,
  session?: { csrf: string; cookie: string },
): Promise<{ status: number; html: string }> {
  const { csrf, cookie } = session ?? (await openPage(fetch));
  const res = await fetch(
    new Request('http://test/device', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ csrf, ...fields }).toString(),
    }),
  );
  return { status: res.status, html: await res.text() };
}

/** Starts a login and approves it as `email`: the device code is then ready for its token. */
export async function approvedDeviceCode(
  fetch: AppFetch,
  email: string,
  password: string,
  organization?: string,
): Promise<string> {
  const start = await startLogin(fetch, organization);
  const page = await openPage(fetch, start.user_code);
  const done = await submitForm(fetch, { user_code: start.user_code, email, password }, page);
  if (done.status !== 200) throw new Error(`approval failed: ${done.status} ${done.html}`);
  return start.device_code;
}
