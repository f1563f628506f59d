/** One socket: its DNS name and how to connect, the policies that apply to it and why, editing, deleting. */
import type { Schema } from '@border0/sdk';
import { api } from './api.js';
import { ConfirmButton, SubmitError, useSubmission } from './form.js';
import { follow, navigate } from './router.js';
import { SocketForm } from './socket-form.js';
import { Load } from './states.js';
import { useApi } from './use-api.js';

/** How a person reaches this socket with the CLI (the admin's view; members get theirs from /me/sockets). */
function connectInstructions(socket: Schema<'Socket'>): string[] {
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

const VIA = { org_wide: 'every socket', attached: 'attached to this socket', tag_rule: 'by tags' } as const;

async function loadSocket(id: string) {
  const path = { socket: id };
  const [socket, effective] = await Promise.all([
    api.get('/api/v1/sockets/{socket}', { params: { path } }),
    api.get('/api/v1/sockets/{socket}/effective-policies', { params: { path } }),
  ]);
  return { socket, policies: effective.items };
}

export function SocketDetail({ id }: { id: string }) {
  const loaded = useApi(() => loadSocket(id), [id]);
  const removal = useSubmission();
  return (
    <section aria-labelledby="socket-title">
      <p>
        <a href="/sockets" onClick={(e) => follow(e, '/sockets')}>
          ← All sockets
        </a>
      </p>
      <Load loaded={loaded} what="the socket">
        {({ socket, policies }) => (
          <>
            <h1 id="socket-title">
              {socket.display_name || socket.name} <span className="badge">{socket.socket_type}</span>
            </h1>
            {socket.description ? <p>{socket.description}</p> : null}
            <dl className="metadata">
              <div>
                <dt>DNS name</dt>
                <dd>{socket.dnsname}</dd>
              </div>
              <div>
                <dt>Upstream</dt>
                <dd>
                  {String((socket.upstream_configuration as { hostname?: string }).hostname ?? '')}:
                  {String((socket.upstream_configuration as { port?: number }).port ?? '')}
                </dd>
              </div>
              <div>
                <dt>Recording</dt>
                <dd>{socket.recording_enabled ? 'on' : 'off'}</dd>
              </div>
              <div>
                <dt>Tags</dt>
                <dd>
                  {Object.entries(socket.tags)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(', ') || 'none'}
                </dd>
              </div>
            </dl>
            <h2>Connect</h2>
            {connectInstructions(socket).map((line) => (
              <pre key={line}>
                <code>{line}</code>
              </pre>
            ))}
            <h2>Policies that apply</h2>
            {policies.length === 0 ? (
              <p className="note">No policy applies: nobody may use this socket (default deny).</p>
            ) : (
              <ul>
                {policies.map((p) => (
                  <li key={p.policy.id}>
                    <a
                      href={`/policies/${p.policy.id}`}
                      onClick={(e) => follow(e, `/policies/${p.policy.id}`)}
                    >
                      {p.policy.name}
                    </a>{' '}
                    <span className="note">
                      ({VIA[p.via]}
                      {p.tag_rule
                        ? `: ${Object.entries(p.tag_rule)
                            .map(([k, v]) => `${k}=${v}`)
                            .join(', ')}`
                        : ''}
                      )
                    </span>
                  </li>
                ))}
              </ul>
            )}
            <div className="actions">
              <a
                className="button"
                href={`/sockets/${socket.id}/edit`}
                onClick={(e) => follow(e, `/sockets/${socket.id}/edit`)}
              >
                Edit socket
              </a>
              <a
                href={`/sessions?socket=${encodeURIComponent(socket.name)}`}
                onClick={(e) => follow(e, `/sessions?socket=${encodeURIComponent(socket.name)}`)}
              >
                Its sessions
              </a>
              <ConfirmButton
                label="Delete socket"
                what={socket.name}
                confirm={`delete ${socket.name}`}
                busy={removal.busy}
                onConfirm={() =>
                  removal.run(async () => {
                    await api.delete('/api/v1/sockets/{socket}', { params: { path: { socket: socket.id } } });
                    navigate('/sockets');
                  })
                }
              />
            </div>
            <SubmitError submission={removal} />
          </>
        )}
      </Load>
    </section>
  );
}

export function SocketEdit({ id }: { id: string }) {
  const loaded = useApi(
    () => api.get('/api/v1/sockets/{socket}', { params: { path: { socket: id } } }),
    [id],
  );
  return (
    <section aria-labelledby="socket-edit-title">
      <h1 id="socket-edit-title">Edit socket</h1>
      <Load loaded={loaded} what="the socket">
        {(socket) => <SocketForm existing={socket} />}
      </Load>
    </section>
  );
}

export function SocketNew() {
  return (
    <section aria-labelledby="socket-new-title">
      <h1 id="socket-new-title">New socket</h1>
      <SocketForm />
    </section>
  );
}
