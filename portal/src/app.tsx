/** The portal's frame: navigation, the page for the current path, and logging out. */

import { lazy, Suspense } from 'react';
import { ADMIN_PAGES, adminPage } from './admin-routes.js';
import { csrfToken } from './api.js';
import { MyResources } from './resources.js';
import { follow, useLocation } from './router.js';
import { SessionDetail, Sessions } from './sessions.js';
import { Sockets } from './sockets.js';

// xterm is most of the portal's code: loaded when a terminal opens.
const WebTerminal = lazy(() => import('./terminal.js').then((m) => ({ default: m.WebTerminal })));

const PAGES = [
  ['/', 'My resources'],
  ['/sockets', 'Sockets'],
  ['/sessions', 'Sessions'],
  ...ADMIN_PAGES,
] as const;

function Page({ url }: { url: URL }) {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return <MyResources />;
  if (path === '/sockets') return <Sockets />;
  if (path === '/sessions') return <Sessions query={url.searchParams} />;
  const session = path.match(/^\/sessions\/([0-9a-f-]{36})$/i);
  if (session) return <SessionDetail id={session[1]!} />;
  const admin = adminPage(path);
  if (admin) return admin;
  const terminal = path.match(/^\/terminal\/([a-z0-9-]{1,63})$/);
  if (terminal) {
    return (
      <Suspense fallback={<p className="note">Loading the terminal…</p>}>
        <WebTerminal key={terminal[1]} socket={terminal[1]!} />
      </Suspense>
    );
  }
  return (
    <section>
      <h1>Not found</h1>
      <p className="note">There is no page at this address.</p>
    </section>
  );
}

export function App() {
  const url = useLocation();
  const current = url.pathname.replace(/\/+$/, '') || '/';
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span className="brand">Border0</span>
        <nav aria-label="Portal">
          {PAGES.map(([to, label]) => (
            <a
              key={to}
              href={to}
              aria-current={
                current === to || (to !== '/' && current.startsWith(`${to}/`)) ? 'page' : undefined
              }
              onClick={(e) => follow(e, to)}
            >
              {label}
            </a>
          ))}
        </nav>
        {/* The server's own logout: it ends this browser's login and needs the CSRF token. */}
        <form method="post" action="/logout" className="logout">
          <input type="hidden" name="csrf" value={csrfToken()} />
          <button type="submit">Log out</button>
        </form>
      </header>
      <main id="main" tabIndex={-1}>
        <Page url={url} />
      </main>
    </>
  );
}
