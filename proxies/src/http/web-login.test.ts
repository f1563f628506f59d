/** The browser login's pieces: credentials from a request, the return path after login, the cookie. */
import { describe, expect, it } from 'vitest';
import {
  loginRedirect,
  requestCredential,
  safeReturnPath,
  sessionCookie,
  sessionCookieHeader,
} from './web-login.js';

describe('requestCredential', () => {
  it('takes a bearer token before the cookie, and the cookie otherwise', () => {
    expect(requestCredential({ authorization: 'Bearer abc', cookie: 'border0_session=s1' })).toEqual({
      bearer_token: 'abc',
    });
    expect(requestCredential({ cookie: 'a=1; border0_session=s1; b=2' })).toEqual({
      web_session_token: 's1',
    });
    expect(requestCredential({ authorization: 'Basic eDp5' })).toBeUndefined();
    expect(requestCredential({ cookie: 'border0_session=' })).toBeUndefined();
    expect(sessionCookie('xborder0_session=1')).toBeUndefined();
  });
});

describe('safeReturnPath', () => {
  it('keeps a path on this host, with its query', () => {
    expect(safeReturnPath('/reports?year=2026#top')).toBe('/reports?year=2026#top');
    expect(safeReturnPath('/a/../b')).toBe('/b');
  });

  it('refuses anything a browser could read as another origin', () => {
    for (const evil of [
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example/',
      '/\t/evil.example/',
      '/\n/evil.example',
      'javascript:alert(1)',
      'evil',
      '',
      null,
      undefined,
    ]) {
      expect(safeReturnPath(evil), String(evil)).toBe('/');
    }
  });
});

describe('the session cookie', () => {
  it('is host-only, HttpOnly, SameSite=Lax, for the whole site, Secure over HTTPS only', () => {
    const later = new Date(Date.now() + 3_600_000);
    const secure = sessionCookieHeader('tok', later, true);
    expect(secure).toMatch(
      /^border0_session=tok; Path=\/; HttpOnly; SameSite=Lax; Max-Age=3[56]\d\d; Secure$/,
    );
    expect(secure).not.toMatch(/Domain=/i);
    expect(sessionCookieHeader('tok', later, false)).not.toMatch(/Secure/);
  });
});

describe('loginRedirect', () => {
  it('carries the full URL asked for', () => {
    const to = new URL(loginRedirect('http://127.0.0.1:6080/login', 'https://web-acme.example:8443/a?b=1'));
    expect(to.origin + to.pathname).toBe('http://127.0.0.1:6080/login');
    expect(to.searchParams.get('return_to')).toBe('https://web-acme.example:8443/a?b=1');
  });
});
