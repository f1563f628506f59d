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
  const approved = await approveDevice(
    new URL(`/device?user_code=${start.user_code}`, apiUrl).href,
    email,
    password,
  );
  if (approved.status !== 200) throw new Error(`approval of ${email} failed: ${approved.text}`);
  const token = await post('/api/v1/auth/token', {
    grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
    device_code: start.device_code,
  });
  if (token.status !== 200) throw new Error(`login of ${email} failed: ${await token.text()}`);
  return ((await token.json()) as { access_token: string }).access_token;
}

/**
 * What a person does in the browser with a device login's link: open the page, fill in the form with the
 * email and password, submit. Resolves with the answer's status and text.
 */
export async function approveDevice(
  link: string,
  email: string,
  password: string,
): Promise<{ status: number; text: string }> {
  const page = await fetch(link);
  const html = await page.text();
  const csrf = html.match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';
  const userCode = html.match(/name="user_code" value="([^"]+)"/)?.[1] ?? '';
  const res = await fetch(new URL('/device', link), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: (page.headers.get('set-cookie') ?? '').split(';')[0]!,
    },
    body: new URLSearchParams({ csrf, user_code: userCode, email, password }).toString(),
  });
  return { status: res.status, text: await res.text() };
}
