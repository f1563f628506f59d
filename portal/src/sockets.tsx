/** Sockets: every socket of the organization, filtered by type and name; each opens its page. */
import { useState } from 'react';
import { api } from './api.js';
import { follow } from './router.js';
import { Load } from './states.js';
import { useApi } from './use-api.js';

const TYPES = ['http', 'ssh', 'database', 'tls'] as const;
type SocketType = (typeof TYPES)[number];

export function Sockets() {
  const [type, setType] = useState<SocketType | ''>('');
  const [name, setName] = useState('');
  const loaded = useApi(
    async () =>
      (
        await api.get('/api/v1/sockets', {
          params: { query: { limit: 500, ...(type && { socket_type: type }) } },
        })
      ).items,
    [type],
  );
  const needle = name.trim().toLowerCase();
  return (
    <section aria-labelledby="sockets-title">
      <h1 id="sockets-title">Sockets</h1>
      <p>
        <a className="button" href="/sockets/new" onClick={(e) => follow(e, '/sockets/new')}>
          New socket
        </a>
      </p>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value as SocketType | '')}>
            <option value="">All types</option>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input
            type="search"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="Filter by name"
          />
        </label>
      </form>
      <Load loaded={loaded} what="sockets">
        {(items) => {
          const shown = items.filter((s) => !needle || s.name.includes(needle) || s.dnsname.includes(needle));
          if (shown.length === 0) return <p className="note">No sockets match.</p>;
          return (
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Sockets</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Type</th>
                    <th scope="col">Address</th>
                    <th scope="col">Recording</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((s) => (
                    <tr key={s.id}>
                      <td>
                        <a href={`/sockets/${s.id}`} onClick={(e) => follow(e, `/sockets/${s.id}`)}>
                          {s.name}
                        </a>
                      </td>
                      <td>{s.socket_type}</td>
                      <td>{s.dnsname}</td>
                      <td>{s.recording_enabled ? 'on' : 'off'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        }}
      </Load>
    </section>
  );
}
