/**
 * A person's login, as `border0 client login` gets one: a device login started over the API and approved on
 * the `/device` page with the person's email and password.
 */

/** Resolves with the access token; fails naming the person when the approval or the token is refused. */
export async function personLogin(apiUrl: string, email: string, password: string): Promise<string> {
  const post = (path: string, body: unknown) =>
    fetch(new URL(path, apiUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const start = (await (await post('/api/v1/auth/device', {})).json()) as {
    device_code: string;
    user_code: string;
  };
  const page = await fetch(new URL(`/device?user_code=${start.user_code}`, apiUrl));
  const csrf = (await page.text()).match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';
  const approved = await fetch(new URL('/device', apiUrl), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: (page.headers.get('set-cookie') ?? '').split(';')[0]!,
    },
    body: new URLSearchParams({ csrf, user_code: start.user_code, email, password }).toString(),
  });
  if (approved.status !== 200) throw new Error(`approval of ${email} failed: ${await approved.text()}`);
  const token = await post('/api/v1/auth/token', {
    grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
    device_code: start.device_code,
  });
  if (token.status !== 200) throw new Error(`login of ${email} failed: ${await token.text()}`);
  return ((await token.json()) as { access_token: string }).access_token;
}
