/** "My resources": the sockets this person may use, and how to connect to each, per socket type. */
import { api } from './api.js';
import { Load } from './states.js';
import { useApi } from './use-api.js';

type Socket = Awaited<ReturnType<typeof listSockets>>[number];
const listSockets = async () =>
  (await api.get('/api/v1/sockets', { params: { query: { limit: 500 } } })).items;

/** The commands or address that reach a socket, as text (never markup built from the socket's fields). */
export function connectInstructions(socket: Socket): string[] {
  switch (socket.socket_type) {
    case 'database':
      return [`border0 client db ${socket.name}`];
    case 'ssh':
      return ['border0 client ssh-config', `ssh <user>@${socket.dnsname}`];
    case 'http':
      return [`https://${socket.dnsname}/`];
    case 'tls':
      return [`border0 client tls ${socket.name} --listen 127.0.0.1:<port>`];
    default:
      return [];
  }
}

export function MyResources() {
  const loaded = useApi(listSockets, []);
  return (
    <section aria-labelledby="resources-title">
      <h1 id="resources-title">My resources</h1>
      <Load
        loaded={loaded}
        what="your sockets"
        empty={(items) => items.length === 0}
        emptyText="No sockets are published to you yet."
      >
        {(items) => (
          <ul className="cards">
            {items.map((socket) => (
              <li key={socket.id} className="card">
                <h2>
                  {socket.display_name || socket.name} <span className="badge">{socket.socket_type}</span>
                </h2>
                {socket.description ? <p>{socket.description}</p> : null}
                <p className="note">Connect with:</p>
                {connectInstructions(socket).map((line) => (
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
