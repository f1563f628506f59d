/** Connectors: status, the proxies each holds a tunnel to, the sockets it serves, its tokens; adding one. */
import type { Schema } from '@border0/sdk';
import { type FormEvent, useState } from 'react';
import { api } from './api.js';
import { Field, SubmitError, useSubmission } from './form.js';
import { when } from './sessions.js';
import { Load } from './states.js';
import { useApi } from './use-api.js';
import { usePolled } from './use-polled.js';

async function loadConnectors() {
  const [connectors, sockets] = await Promise.all([
    api.get('/api/v1/connectors', { params: { query: { limit: 500 } } }),
    api.get('/api/v1/sockets', { params: { query: { limit: 500 } } }),
  ]);
  return { connectors: connectors.items, sockets: sockets.items };
}

function Tokens({ connector }: { connector: Schema<'Connector'> }) {
  const path = { connector: connector.id };
  const [round, setRound] = useState(0);
  const tokens = useApi(
    async () => (await api.get('/api/v1/connectors/{connector}/tokens', { params: { path } })).items,
    [connector.id, round],
  );
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string>();
  const submission = useSubmission();
  const create = (event: FormEvent) => {
    event.preventDefault();
    void submission.run(async () => {
      const token = await api.post('/api/v1/connectors/{connector}/tokens', {
        params: { path },
        body: { name },
      });
      setCreated(token.token);
      setName('');
      setRound((r) => r + 1);
    });
  };
  const [revoking, setRevoking] = useState<string>();
  const revoke = (id: string) =>
    submission.run(async () => {
      setRevoking(undefined);
      await api.delete('/api/v1/connectors/{connector}/tokens/{token_id}', {
        params: { path: { ...path, token_id: id } },
      });
      setRound((r) => r + 1);
    });
  return (
    <div>
      <h3>Tokens</h3>
      <Load
        loaded={tokens}
        what="tokens"
        empty={(t) => t.length === 0}
        emptyText="No tokens: the connector cannot log in."
      >
        {(items) => (
          <ul>
            {items.map((t) => (
              <li key={t.id}>
                {t.name}: expires {when(t.expires_at) || 'never'}, last used {when(t.last_used_at) || 'never'}{' '}
                {revoking === t.id ? (
                  <button type="button" className="danger" onClick={() => revoke(t.id)}>
                    Confirm: revoke {t.name} (the connector using it is cut off)
                  </button>
                ) : (
                  <button
                    type="button"
                    onClick={() => setRevoking(t.id)}
                    aria-label={`Revoke token ${t.name}`}
                  >
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Load>
      <form className="filters" onSubmit={create} aria-label={`New token for ${connector.name}`}>
        <Field label="New token name" error={submission.fieldError('name')}>
          {({ id }) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <button type="submit" disabled={submission.busy}>
          Create token
        </button>
      </form>
      {created ? (
        <p role="status">
          The token, shown once: <code className="secret">{created}</code>. Start the connector with{' '}
          <code>border0 connector start --token &lt;token&gt;</code>.
        </p>
      ) : null}
      <SubmitError submission={submission} />
    </div>
  );
}

export function Connectors() {
  const loaded = usePolled(loadConnectors, [], 5000);
  const [name, setName] = useState('');
  const submission = useSubmission();
  const create = (event: FormEvent) => {
    event.preventDefault();
    void submission.run(async () => {
      await api.post('/api/v1/connectors', { body: { name: name.trim() } });
      setName('');
      loaded.reload();
    });
  };
  return (
    <section aria-labelledby="connectors-title">
      <h1 id="connectors-title">Connectors</h1>
      <form className="filters" onSubmit={create} aria-label="New connector">
        <Field label="New connector name" error={submission.fieldError('name')}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
            />
          )}
        </Field>
        <button type="submit" disabled={submission.busy}>
          Add connector
        </button>
      </form>
      <SubmitError submission={submission} />
      <Load
        loaded={loaded}
        what="connectors"
        empty={(d) => d.connectors.length === 0}
        emptyText="No connectors yet."
      >
        {({ connectors, sockets }) => (
          <ul className="cards wide">
            {connectors.map((c) => {
              const served = sockets.filter((s) => s.connector_ids.includes(c.id));
              return (
                <li key={c.id} className="card">
                  <h2>
                    {c.name} <span className={`badge status-${c.status}`}>{c.status}</span>
                  </h2>
                  <p className="note">
                    Last seen {when(c.last_seen_at) || 'never'}
                    {c.version ? `, version ${c.version}` : ''}
                  </p>
                  <p>Proxies connected: {c.proxies_connected.join(', ') || 'none'}</p>
                  <p>Sockets served: {served.map((s) => s.name).join(', ') || 'none'}</p>
                  {c.discovery.length > 0 ? (
                    <p>
                      Discovery:{' '}
                      {c.discovery
                        .map(
                          (d) => `${d.plugin} (${d.resources} found${d.error ? `, error: ${d.error}` : ''})`,
                        )
                        .join('; ')}
                    </p>
                  ) : null}
                  <Tokens connector={c} />
                </li>
              );
            })}
          </ul>
        )}
      </Load>
    </section>
  );
}
