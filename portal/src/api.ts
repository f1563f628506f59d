/**
 * The portal's one way to the API: @border0/sdk on this origin, authenticated by the browser login cookie
 * (no token: in a browser the SDK sends no `Authorization`), repeating the CSRF token the server put in index.html on every request (changes need it).
 */
import { Border0Error, createClient } from '@border0/sdk';

const csrf = document.querySelector<HTMLMetaElement>('meta[name="border0-csrf"]')?.content ?? '';

export const api = createClient({
  baseUrl: window.location.origin,
  headers: { 'x-csrf-token': csrf },
});

export const csrfToken = () => csrf;

/** What went wrong, in words: a problem+json's title and detail and failing fields, or the error's message. */
export function describeError(error: unknown): string {
  if (error instanceof Border0Error) {
    const fields = error.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return [`${error.title} (${error.status})`, error.detail, fields].filter(Boolean).join(': ');
  }
  return error instanceof Error ? error.message : String(error);
}

/** A failure that means the login ended: the page goes to the login. */
export const isLoggedOut = (error: unknown) => error instanceof Border0Error && error.status === 401;
