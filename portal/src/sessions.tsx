/**
 * Sessions: the list (by socket, user, time and result, following new and live sessions as they come), and
 * one session's metadata, events and recordings: the terminal for SSH (replayed, or followed while live), the
 * statements for databases, the requests for HTTP; a live session can be terminated.
 */
import type { Schema } from '@border0/sdk';
import { type FormEvent, useEffect, useState } from 'react';
import { api } from './api.js';
import { SubmitError, useSubmission } from './form.js';
import { RecordingTable } from './recording-table.js';
import { follow, navigate } from './router.js';
import { Load } from './states.js';
import { TerminalPlayer } from './terminal-player.js';
import { usePolled } from './use-polled.js';

const RESULTS = ['allowed', 'denied', 'terminated', 'failed'] as const;
/** How often the lists and a live session are read again. */
const REFRESH_MS = 2000;

type Session = Schema<'Session'>;

export const who = (s: { user: { email: string | null; service_account: string | null } }) =>
  s.user.email ?? (s.user.service_account ? `service account ${s.user.service_account}` : 'unknown');

export const when = (at: string | null) => (at ? new Date(at).toLocaleString() : '');

/** A `datetime-local` value (local time, no zone) as the API's ISO time; empty stays empty. */
const isoFrom = (local: string) => (local ? new Date(local).toISOString() : '');

interface Filters {
  socket: string;
  user: string;
  result: string;
  from: string;
  to: string;
  live: string;
}

const FILTER_KEYS = ['socket', 'user', 'result', 'from', 'to', 'live'] as const;

export function Sessions({ query }: { query: URLSearchParams }) {
  const initial = Object.fromEntries(FILTER_KEYS.map((k) => [k, query.get(k) ?? ''])) as unknown as Filters;
  const [form, setForm] = useState<Filters>(initial);
  const [applied, setApplied] = useState<Filters>(initial);
  const loaded = usePolled(
    async () =>
      (
        await api.get('/api/v1/sessions', {
          params: {
            query: {
              limit: 200,
              ...(applied.socket && { socket: applied.socket }),
              ...(applied.user && { user: applied.user }),
              ...(applied.result && { result: applied.result as Session['result'] }),
              ...(applied.from && { from: isoFrom(applied.from) }),
              ...(applied.to && { to: isoFrom(applied.to) }),
              ...(applied.live && { live: applied.live as 'true' | 'false' }),
            },
          },
        })
      ).items,
    [JSON.stringify(applied)],
    REFRESH_MS,
  );
  const set = (key: keyof Filters) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const next = { ...form, socket: form.socket.trim(), user: form.user.trim() };
    setApplied(next);
    const search = new URLSearchParams(Object.entries(next).filter(([, v]) => v));
    window.history.replaceState(null, '', `/sessions${search.size ? `?${search}` : ''}`);
  };
  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions</h1>
      <form className="filters" onSubmit={apply} aria-label="Filter sessions">
        <label>
          Socket
          <input value={form.socket} onChange={set('socket')} placeholder="name or id" />
        </label>
        <label>
          User
          <input value={form.user} onChange={set('user')} placeholder="email or service account" />
        </label>
        <label>
          Result
          <select value={form.result} onChange={set('result')}>
            <option value="">Any result</option>
            {RESULTS.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          State
          <select value={form.live} onChange={set('live')}>
            <option value="">Live or ended</option>
            <option value="true">Live</option>
            <option value="false">Ended</option>
          </select>
        </label>
        <label>
          Started from
          <input type="datetime-local" value={form.from} onChange={set('from')} />
        </label>
        <label>
          Started until
          <input type="datetime-local" value={form.to} onChange={set('to')} />
        </label>
        <button type="submit">Apply</button>
      </form>
      <Load loaded={loaded} what="sessions">
        {(items) => {
          if (items.length === 0) return <p className="note">No sessions match.</p>;
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
                    <th scope="col">Country</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((s) => (
                    <tr key={s.id} data-session={s.id}>
                      <td>
                        <a href={`/sessions/${s.id}`} onClick={(e) => follow(e, `/sessions/${s.id}`)}>
                          {when(s.started_at)}
                        </a>
                      </td>
                      <td>{s.socket_name}</td>
                      <td>{who(s)}</td>
                      <td>
                        <span className={`result result-${s.result}`}>{s.result}</span>
                        {s.attempts > 1 ? ` ×${s.attempts}` : ''}
                      </td>
                      <td>{s.live ? <span className="live">live</span> : 'ended'}</td>
                      <td>{s.country ?? ''}</td>
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
  const [session, recordings, events] = await Promise.all([
    api.get('/api/v1/sessions/{session_id}', { params: { path } }),
    api.get('/api/v1/sessions/{session_id}/recordings', { params: { path, query: { limit: 500 } } }),
    api.get('/api/v1/sessions/{session_id}/events', { params: { path, query: { limit: 500 } } }),
  ]);
  return { session, recordings: recordings.items, events: events.items };
}

async function loadLog(sessionId: string, recordingId: string): Promise<string> {
  const { data } = await api.raw.GET('/api/v1/sessions/{session_id}/recordings/{recording_id}', {
    params: { path: { session_id: sessionId, recording_id: recordingId } },
    parseAs: 'text',
  });
  return String(data ?? '');
}

function Metadata({ session }: { session: Session }) {
  const rows: [string, string][] = [
    ['Socket', session.socket_name],
    ['User', who(session)],
    ['Result', session.reason ? `${session.result}: ${session.reason}` : session.result],
    ['State', session.live ? (session.terminate_requested_at ? 'live, ending' : 'live') : 'ended'],
    ['Started', when(session.started_at)],
    ['Ended', when(session.ended_at)],
    ['Last seen', when(session.last_seen_at)],
    ['Client', `${session.client_ip ?? ''}${session.client_port ? `:${session.client_port}` : ''}`],
    ['Country', session.country ?? 'unknown'],
    ['Bytes in / out', `${session.bytes_in} / ${session.bytes_out}`],
    ['Session id', session.id],
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

/** A query log or access log, read once when the recording has ended, and again while it grows. */
function LogRecording(props: { sessionId: string; recording: Schema<'Recording'> }) {
  const { recording } = props;
  const loaded = usePolled(
    () => loadLog(props.sessionId, recording.id),
    [recording.id],
    recording.ended_at ? undefined : REFRESH_MS,
  );
  return (
    <Load loaded={loaded} what="the recording">
      {(text) => <RecordingTable format={recording.format as 'query-log' | 'http-log'} text={text} />}
    </Load>
  );
}

/** Terminating asks once more in the page (no browser dialog): a second button confirms. */
function Terminate({ session, onDone }: { session: Session; onDone: () => void }) {
  const submission = useSubmission();
  const [asked, setAsked] = useState(false);
  if (!session.live) return null;
  const terminate = () =>
    submission.run(async () => {
      await api.post('/api/v1/sessions/{session_id}/terminate', {
        params: { path: { session_id: session.id } },
      });
      setAsked(false);
      onDone();
    });
  return (
    <div className="actions">
      {asked ? (
        <>
          <span>The client is disconnected at once.</span>
          <button type="button" className="danger" disabled={submission.busy} onClick={terminate}>
            Confirm: terminate
          </button>
          <button type="button" onClick={() => setAsked(false)}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" className="danger" onClick={() => setAsked(true)}>
          {session.terminate_requested_at ? 'Terminate again' : 'Terminate session'}
        </button>
      )}
      <SubmitError submission={submission} />
    </div>
  );
}

export function SessionDetail({ id }: { id: string }) {
  const [live, setLive] = useState(true);
  useEffect(() => setLive(true), [id]);
  const loaded = usePolled(() => loadSession(id), [id], live ? REFRESH_MS : undefined);
  // Stop reading again once the session and its recordings have ended (a recording's end follows the
  // session's by moments, and turns its live terminal into a replay).
  const settled =
    loaded.state === 'ready' &&
    !loaded.data.session.live &&
    loaded.data.recordings.every((r) => r.ended_at !== null);
  if (settled && live) setLive(false);
  return (
    <section aria-labelledby="session-title">
      <p>
        <a href="/sessions" onClick={(e) => follow(e, '/sessions')}>
          ← All sessions
        </a>
      </p>
      <h1 id="session-title">Session</h1>
      <Load loaded={loaded} what="the session">
        {({ session, recordings, events }) => (
          <>
            <Metadata session={session} />
            <Terminate session={session} onDone={loaded.reload} />
            <h2>Recordings</h2>
            {recordings.length === 0 ? (
              <p className="note">
                {session.live ? 'Nothing recorded yet.' : 'Nothing was recorded for this session.'}
              </p>
            ) : null}
            {recordings.map((r) =>
              r.format === 'asciicast-v2' ? (
                <TerminalPlayer
                  key={`${r.id}-${r.ended_at ? 'ended' : 'live'}`}
                  sessionId={session.id}
                  recordingId={r.id}
                  live={!r.ended_at}
                />
              ) : (
                <LogRecording key={r.id} sessionId={session.id} recording={r} />
              ),
            )}
            <h2>Events</h2>
            {events.length === 0 ? (
              <p className="note">No events.</p>
            ) : (
              <div className="table-wrap">
                <table className="log">
                  <caption className="sr-only">Events</caption>
                  <thead>
                    <tr>
                      <th scope="col">Time</th>
                      <th scope="col">Event</th>
                      <th scope="col">Details</th>
                    </tr>
                  </thead>
                  <tbody>
                    {events.map((e) => (
                      <tr key={e.id}>
                        <td>{when(e.time)}</td>
                        <td>{e.type}</td>
                        <td>{JSON.stringify(e.data)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <p>
              <button
                type="button"
                onClick={() => navigate(`/sessions?socket=${encodeURIComponent(session.socket_name)}`)}
              >
                Other sessions of {session.socket_name}
              </button>
            </p>
          </>
        )}
      </Load>
    </section>
  );
}
