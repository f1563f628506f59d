/**
 * Like useApi, and loaded again every `everyMs` while the page shows it, keeping what it shows meanwhile (no
 * flash of "Loading"): how lists of live things (sessions, connectors) follow the platform. `reload()` loads
 * at once, e.g. after a change.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { isLoggedOut } from './api.js';
import type { Loaded } from './use-api.js';

export function usePolled<T>(
  load: () => Promise<T>,
  deps: unknown[],
  everyMs: number | undefined,
): Loaded<T> & { reload: () => void } {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // A change of what is asked shows "Loading" again; a poll does not.
  useEffect(() => setLoaded({ state: 'loading' }), deps);
  useEffect(() => {
    let current = true;
    loadRef.current().then(
      (data) => current && setLoaded({ state: 'ready', data }),
      (error: unknown) => {
        if (!current) return;
        if (isLoggedOut(error)) {
          window.location.assign(`/login?${new URLSearchParams({ return_to: window.location.href })}`);
        }
        setLoaded({ state: 'error', error });
      },
    );
    const timer = everyMs === undefined ? undefined : setTimeout(() => setRound((r) => r + 1), everyMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [...deps, round, everyMs]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...loaded, reload };
}
