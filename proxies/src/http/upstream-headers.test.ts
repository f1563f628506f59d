/** What reaches the upstream of an HTTP socket: the identity the proxy vouches for, nothing a client forged. */
import { describe, expect, it } from 'vitest';
import { type UpstreamHeaderInput, upstreamHeaders, withoutSessionCookie } from './upstream-headers.js';

const base: Omit<UpstreamHeaderInput, 'headers'> = {
  host: '127.0.0.1:3000',
  clientAddress: '203.0.113.9',
  proto: 'https',
  requestedHost: 'web-acme.border0.test:8443',
  email: 'ann@acme.test',
  identityToken: 'jwt',
  bearer: true,
  upgrade: false,
};

describe('upstreamHeaders', () => {
  it('strips client-sent X-Border0-* and forwarding headers, and sets the proxy’s own', () => {
    const out = upstreamHeaders({
      ...base,
      headers: {
        host: 'web-acme.border0.test:8443',
        'x-border0-email': 'ceo@acme.test',
        'x-border0-identity': 'forged',
        'x-forwarded-for': '10.0.0.1',
        forwarded: 'for=10.0.0.1',
        accept: 'text/plain',
      },
    });
    expect(out).toEqual({
      accept: 'text/plain',
      host: '127.0.0.1:3000',
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'web-acme.border0.test:8443',
      'x-border0-email': 'ann@acme.test',
      'x-border0-identity': 'jwt',
    });
  });

  it('drops the bearer token the proxy accepted and its own cookie, keeping the upstream’s cookies', () => {
    const out = upstreamHeaders({
      ...base,
      headers: { authorization: 'Bearer secret', cookie: 'app=1; border0_session=s; theme=dark' },
    });
    expect(out.authorization).toBeUndefined();
    expect(out.cookie).toBe('app=1; theme=dark');
    const basic = upstreamHeaders({ ...base, bearer: false, headers: { authorization: 'Basic eDp5' } });
    expect(basic.authorization).toBe('Basic eDp5');
    expect(withoutSessionCookie('border0_session=s')).toBeUndefined();
  });

  it('removes hop-by-hop headers and those Connection names, but keeps a WebSocket’s upgrade', () => {
    const headers = {
      connection: 'keep-alive, x-private',
      'keep-alive': 'timeout=5',
      'x-private': '1',
      te: 'trailers',
    };
    expect(upstreamHeaders({ ...base, headers })).not.toHaveProperty('x-private');
    expect(upstreamHeaders({ ...base, headers })).not.toHaveProperty('connection');
    const ws = upstreamHeaders({
      ...base,
      upgrade: true,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'k' },
    });
    expect(ws).toMatchObject({ connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-key': 'k' });
  });

  it('applies the socket’s extra headers, but never over the identity or the host', () => {
    const out = upstreamHeaders({
      ...base,
      extra: { 'X-Team': 'red', 'X-Border0-Email': 'ceo@acme.test', Host: 'evil' },
      headers: { 'x-team': 'blue' },
    });
    expect(out['x-team']).toBe('red');
    expect(out['x-border0-email']).toBe('ann@acme.test');
    expect(out.host).toBe('127.0.0.1:3000');
  });
});
