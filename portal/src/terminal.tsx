/**
 * A terminal in the browser on an ssh socket (@xterm/xterm, bundled). The API gives a one-time ticket and the
 * proxy's WebSocket for it; the proxy runs the terminal as an SSH session of this person, under the same
 * policies, session record and recording as any SSH client, and closes the WebSocket when the session ends.
 */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api, describeError } from './api.js';
import { follow } from './router.js';

type State = { state: 'connecting' } | { state: 'open' } | { state: 'closed'; reason: string };

export function WebTerminal({ socket }: { socket: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [user, setUser] = useState('');
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<State>({ state: 'connecting' });

  useEffect(() => {
    const term = new Terminal({ convertEol: false, cursorBlink: true, fontSize: 14, scrollback: 5000 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current!);
    fit.fit();
    term.focus();
    let ws: WebSocket | undefined;
    let gone = false;
    const encoder = new TextEncoder();
    const onWindowResize = () => fit.fit();
    window.addEventListener('resize', onWindowResize);
    setState({ state: 'connecting' });
    api
      .post('/api/v1/me/sockets/{socket}/terminal', { params: { path: { socket } } })
      .then((ticket) => {
        if (gone) return;
        // Through the API's relay on this origin (server web-terminal/terminal-relay.ts) to the ticket's proxy.
        ws = new WebSocket(
          `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api/terminal`,
        );
        ws.binaryType = 'arraybuffer';
        ws.onopen = () => {
          ws!.send(JSON.stringify({ ticket: ticket.ticket, user, cols: term.cols, rows: term.rows }));
          setState({ state: 'open' });
        };
        ws.onmessage = (event) => {
          if (event.data instanceof ArrayBuffer) term.write(new Uint8Array(event.data));
        };
        ws.onclose = (event) => {
          const reason = event.reason || (event.code === 1006 ? 'the proxy could not be reached' : 'closed');
          term.write(`\r\n\x1b[2m[${reason}]\x1b[0m\r\n`);
          if (!gone) setState({ state: 'closed', reason });
        };
      })
      .catch((error: unknown) => {
        if (!gone) setState({ state: 'closed', reason: describeError(error) });
      });
    const input = term.onData((data) => {
      if (ws?.readyState === WebSocket.OPEN) ws.send(encoder.encode(data));
    });
    const resize = term.onResize(({ cols, rows }) => {
      if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'resize', cols, rows }));
    });
    return () => {
      gone = true;
      window.removeEventListener('resize', onWindowResize);
      input.dispose();
      resize.dispose();
      ws?.close();
      term.dispose();
    };
    // A new attempt (Reconnect) opens a new session; typing a login name alone does not.
  }, [socket, attempt]);

  const reconnect = (event: FormEvent) => {
    event.preventDefault();
    setAttempt((n) => n + 1);
  };

  return (
    <section aria-labelledby="terminal-title" className="terminal-page">
      <p>
        <a href="/" onClick={(e) => follow(e, '/')}>
          ← My resources
        </a>
      </p>
      <h1 id="terminal-title">Terminal on {socket}</h1>
      <form className="filters" onSubmit={reconnect}>
        <label>
          Log in as
          <input value={user} onChange={(e) => setUser(e.target.value)} placeholder="the socket’s user" />
        </label>
        <button type="submit">{state.state === 'closed' ? 'Connect again' : 'Reconnect'}</button>
      </form>
      <p className={state.state === 'closed' ? 'error' : 'note'} role="status">
        {state.state === 'connecting'
          ? 'Connecting…'
          : state.state === 'open'
            ? 'Connected: the session is recorded as any SSH session.'
            : `Closed: ${state.reason}`}
      </p>
      <div ref={host} className="terminal" data-testid="terminal" />
    </section>
  );
}
