/** The portal's pages are paths (`/`, `/sockets`, `/sessions`, `/sessions/<id>`) kept with the History API. */
import { useEffect, useState } from 'react';

export function navigate(to: string) {
  window.history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useLocation(): URL {
  const [url, setUrl] = useState(() => new URL(window.location.href));
  useEffect(() => {
    const update = () => setUrl(new URL(window.location.href));
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return url;
}

/** A link that navigates in place (and still opens in a new tab with a modifier key). */
export function follow(
  event: { preventDefault(): void; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean },
  to: string,
) {
  if (event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  navigate(to);
}
