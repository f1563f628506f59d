import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Border0Error } from './border0-error.js';
import { createClient } from './client.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A real HTTP server on loopback answering `status` and `body`, recording the Authorization headers. */
async function serve(status: number, body: unknown) {
  const authorizations: (string | undefined)[] = [];
  server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    req
      .resume()
      .on('end', () =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      );
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, authorizations };
}

describe('createClient', () => {
  it('asks a token provider before every request, so a refreshed token is used at once', async () => {
    const { baseUrl, authorizations } = await serve(200, { items: [], next_cursor: null });
    let current = 'first';
    const b0 = createClient({ baseUrl, token: async () => current });
    await b0.get('/api/v1/sockets');
    current = 'second';
    await b0.get('/api/v1/sockets');
    expect(authorizations).toEqual(['Bearer first', 'Bearer second']);
  });

  it('sends no Authorization header for an empty token', async () => {
    const { baseUrl, authorizations } = await serve(200, { items: [], next_cursor: null });
    await createClient({ baseUrl, token: '' }).get('/api/v1/sockets');
    await createClient({ baseUrl, token: () => undefined }).get('/api/v1/sockets');
    expect(authorizations).toEqual([undefined, undefined]);
  });

  it('raises the OAuth error of the token endpoint with its code', async () => {
    const { baseUrl } = await serve(400, { error: 'authorization_pending', error_description: 'waiting' });
    const error = await createClient({ baseUrl, token: '' })
      .post('/api/v1/auth/token', { body: { grant_type: 'refresh_token', refresh_token: 'x' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Border0Error);
    expect(error).toMatchObject({ status: 400, code: 'authorization_pending', detail: 'waiting' });
  });
});
