/** Loads from the API for a view: loading, the data, or the error (the login page when the login ended). */
import { useEffect, useState } from 'react';
import { isLoggedOut } from './api.js';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ready'; data: T }
  | { state: 'error'; error: unknown };

export function useApi<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    load().then(
      (data) => current && setLoaded({ state: 'ready', data }),
      (error: unknown) => {
        if (!current) return;
        if (isLoggedOut(error)) {
          window.location.assign(`/login?${new URLSearchParams({ return_to: window.location.href })}`);
        }
        setLoaded({ state: 'error', error });
      },
    );
    return () => {
      current = false;
    };
  }, deps);
  return loaded;
}
