/**
 * "My resources": the sockets this person may use now (the API decides each with the policies), how to connect
 * to each, and a terminal in the browser for the ssh sockets whose policies allow a shell.
 */
import { api } from './api.js';
import { Load } from './states.js';
import { useApi } from './use-api.js';

const listMySockets = async () => (await api.get('/api/v1/me/sockets')).items;

export function MyResources() {
  const loaded = useApi(listMySockets, []);
  return (
    <section aria-labelledby="resources-title">
      <h1 id="resources-title">My resources</h1>
      <Load
        loaded={loaded}
        what="your sockets"
        empty={(items) => items.length === 0}
        emptyText="No socket is open to you now. An administrator grants access with a policy."
      >
        {(items) => (
          <ul className="cards">
            {items.map((socket) => (
              <li key={socket.id} className="card">
                <h2>
                  {socket.display_name || socket.name} <span className="badge">{socket.socket_type}</span>
                </h2>
                {socket.description ? <p>{socket.description}</p> : null}
                <p className="note">
                  Address: <code>{socket.connect.dnsname}</code>
                </p>
                {socket.connect.url ? (
                  <p>
                    <a href={socket.connect.url}>{socket.connect.url}</a>
                  </p>
                ) : null}
                {socket.connect.web_terminal ? (
                  <p>
                    {/* A page load of its own: the terminal page has its own CSP (server portal-routes.ts). */}
                    <a className="button" href={`/terminal/${socket.name}`}>
                      Open a terminal
                    </a>
                  </p>
                ) : null}
                {socket.connect.commands.length > 0 ? <p className="note">Connect with:</p> : null}
                {socket.connect.commands.map((line) => (
                  <pre key={line}>
                    <code>{line}</code>
                  </pre>
                ))}
              </li>
            ))}
          </ul>
        )}
      </Load>
    </section>
  );
}
