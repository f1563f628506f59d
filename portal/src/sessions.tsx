/** Sessions: the list (by socket, user and result) and one session's metadata and recorded logs. */
import { type FormEvent, useState } from 'react';
import { api } from './api.js';
import { RecordingTable } from './recording-table.js';
import { follow } from './router.js';
import { Load } from './states.js';
import { useApi } from './use-api.js';

const RESULTS = ['allowed', 'refused', 'error'] as const;

type Session = Awaited<ReturnType<typeof loadSession>>['session'];

const who = (s: { user: { email: string | null; service_account: string | null } }) =>
  s.user.email ?? (s.user.service_account ? `service account ${s.user.service_account}` : 'unknown');

const when = (at: string | null) => (at ? new Date(at).toLocaleString() : '');

export function Sessions({ query }: { query: URLSearchParams }) {
  const [socket, setSocket] = useState(query.get('socket') ?? '');
  const [user, setUser] = useState(query.get('user') ?? '');
  const [result, setResult] = useState(query.get('result') ?? '');
  const [applied, setApplied] = useState({ socket, user });
  const loaded = useApi(
    async () =>
      (
        await api.get('/api/v1/sessions', {
          params: {
            query: {
              limit: 200,
              ...(applied.socket && { socket: applied.socket }),
              ...(applied.user && { user: applied.user }),
            },
          },
        })
      ).items,
    [applied.socket, applied.user],
  );
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApplied({ socket: socket.trim(), user: user.trim() });
  };
  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions</h1>
      <form className="filters" onSubmit={apply}>
        <label>
          Socket
          <input value={socket} onChange={(e) => setSocket(e.target.value)} placeholder="name or id" />
        </label>
        <label>
          User
          <input value={user} onChange={(e) => setUser(e.target.value)} placeholder="email" />
        </label>
        <label>
          Result
          <select value={result} onChange={(e) => setResult(e.target.value)}>
            <option value="">Any result</option>
            {RESULTS.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
      </form>
      <Load loaded={loaded} what="sessions">
        {(items) => {
          const shown = items.filter((s) => !result || s.result === result);
          if (shown.length === 0) return <p className="note">No sessions match.</p>;
          return (
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Sessions</caption>
                <thead>
                  <tr>
                    <th scope="col">Started</th>
                    <th scope="col">Socket</th>
                    <th scope="col">User</th>
                    <th scope="col">Result</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((s) => (
                    <tr key={s.id}>
                      <td>
                        <a href={`/sessions/${s.id}`} onClick={(e) => follow(e, `/sessions/${s.id}`)}>
                          {when(s.started_at)}
                        </a>
                      </td>
                      <td>{s.socket_name}</td>
                      <td>{who(s)}</td>
                      <td>{s.result}</td>
                      <td>{s.live ? 'live' : 'ended'}</td>
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

async function loadSession(id: string) {
  const path = { session_id: id };
  const [session, recordings] = await Promise.all([
    api.get('/api/v1/sessions/{session_id}', { params: { path } }),
    api.get('/api/v1/sessions/{session_id}/recordings', { params: { path, query: { limit: 500 } } }),
  ]);
  const logs: { id: string; format: 'query-log' | 'http-log'; text: string }[] = [];
  for (const recording of recordings.items) {
    if (recording.format !== 'query-log' && recording.format !== 'http-log') continue;
    const { data } = await api.raw.GET('/api/v1/sessions/{session_id}/recordings/{recording_id}', {
      params: { path: { ...path, recording_id: recording.id } },
      parseAs: 'text',
    });
    logs.push({ id: recording.id, format: recording.format, text: String(data ?? '') });
  }
  return { session, recordings: recordings.items, logs };
}

function Metadata({ session }: { session: Session }) {
  const rows: [string, string][] = [
    ['Socket', session.socket_name],
    ['User', who(session)],
    ['Result', session.reason ? `${session.result}: ${session.reason}` : session.result],
    ['State', session.live ? 'live' : 'ended'],
    ['Started', when(session.started_at)],
    ['Ended', when(session.ended_at)],
    ['Client', `${session.client_ip ?? ''}${session.client_port ? `:${session.client_port}` : ''}`],
    ['Country', session.country ?? 'unknown'],
    ['Bytes in / out', `${session.bytes_in} / ${session.bytes_out}`],
  ];
  return (
    <dl className="metadata">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function SessionDetail({ id }: { id: string }) {
  const loaded = useApi(() => loadSession(id), [id]);
  return (
    <section aria-labelledby="session-title">
      <p>
        <a href="/sessions" onClick={(e) => follow(e, '/sessions')}>
          ← All sessions
        </a>
      </p>
      <h1 id="session-title">Session</h1>
      <Load loaded={loaded} what="the session">
        {({ session, recordings, logs }) => (
          <>
            <Metadata session={session} />
            <h2>Recordings</h2>
            {recordings.length === 0 ? <p className="note">Nothing was recorded.</p> : null}
            {recordings
              .filter((r) => r.format !== 'query-log' && r.format !== 'http-log')
              .map((r) => (
                <p key={r.id} className="note">
                  A {r.format} recording ({r.size_bytes ?? 0} bytes): replay it with{' '}
                  <code>border0 session replay {session.id}</code>.
                </p>
              ))}
            {logs.map((log) => (
              <RecordingTable key={log.id} format={log.format} text={log.text} />
            ))}
          </>
        )}
      </Load>
    </section>
  );
}
