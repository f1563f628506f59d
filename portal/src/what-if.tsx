/**
 * The what-if checker: asks the access-check API whether someone may do something on a socket, from an
 * address and at a time, and shows the decision with every policy's verdict and why.
 */
import type { Schema } from '@border0/sdk';
import { type FormEvent, useState } from 'react';
import { api } from './api.js';
import { Field, SubmitError, useSubmission } from './form.js';

type Decision = Schema<'AccessDecision'>;
const SSH_KINDS = ['connect', 'shell', 'exec', 'sftp', 'tcp_forwarding', 'agent_forwarding'] as const;
const QUERY_TYPES = ['read_only', 'read_write', 'ddl', 'admin'] as const;

export function WhatIf({ sockets }: { sockets: Schema<'Socket'>[] }) {
  const [socket, setSocket] = useState(sockets[0]?.name ?? '');
  const [identity, setIdentity] = useState('');
  const [sshKind, setSshKind] = useState<(typeof SSH_KINDS)[number]>('shell');
  const [detail, setDetail] = useState('');
  const [username, setUsername] = useState('');
  const [queryType, setQueryType] = useState<(typeof QUERY_TYPES)[number]>('read_only');
  const [ip, setIp] = useState('');
  const [time, setTime] = useState('');
  const [decision, setDecision] = useState<Decision>();
  const submission = useSubmission();
  const type = sockets.find((s) => s.name === socket)?.socket_type ?? 'http';

  const action = (): Schema<'AccessAction'> => {
    if (type === 'ssh') {
      return {
        type: 'ssh',
        kind: sshKind,
        ...(sshKind === 'exec' && detail && { command: detail }),
        ...(sshKind === 'tcp_forwarding' &&
          detail && {
            destination_address: detail.split(':')[0],
            destination_port: Number(detail.split(':')[1]),
          }),
        ...(username && { username }),
      };
    }
    if (type === 'database')
      return { type: 'database', query_type: queryType, ...(detail && { database: detail }) };
    return { type };
  };
  const check = (event: FormEvent) => {
    event.preventDefault();
    void submission.run(async () => {
      setDecision(undefined);
      const who = identity.trim();
      setDecision(
        await api.post('/api/v1/access/check', {
          body: {
            socket,
            identity: who.includes('@') ? { email: who } : { service_account: who },
            action: action(),
            ...(ip.trim() && { ip: ip.trim() }),
            ...(time && { time: new Date(time).toISOString() }),
          },
        }),
      );
    });
  };

  return (
    <section aria-labelledby="what-if-title" className="panel">
      <h2 id="what-if-title">What if…</h2>
      <form className="filters" onSubmit={check} aria-label="Access check">
        <Field label="Socket" error={submission.fieldError('socket')}>
          {({ id }) => (
            <select id={id} value={socket} onChange={(e) => setSocket(e.target.value)}>
              {sockets.map((s) => (
                <option key={s.id} value={s.name}>
                  {s.name} ({s.socket_type})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Who"
          hint="An email or a service account name"
          error={submission.fieldError('identity')}
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              value={identity}
              onChange={(e) => setIdentity(e.target.value)}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
            />
          )}
        </Field>
        {type === 'ssh' ? (
          <Field label="Does" error={submission.fieldError('action')}>
            {({ id }) => (
              <select id={id} value={sshKind} onChange={(e) => setSshKind(e.target.value as typeof sshKind)}>
                {SSH_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        {type === 'database' ? (
          <Field label="Query type" error={submission.fieldError('action.query_type')}>
            {({ id }) => (
              <select
                id={id}
                value={queryType}
                onChange={(e) => setQueryType(e.target.value as typeof queryType)}
              >
                {QUERY_TYPES.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        {type === 'database' || (type === 'ssh' && (sshKind === 'exec' || sshKind === 'tcp_forwarding')) ? (
          <Field
            label={
              type === 'database' ? 'Database' : sshKind === 'exec' ? 'Command' : 'Destination host:port'
            }
            error={submission.fieldError('action')}
          >
            {({ id }) => <input id={id} value={detail} onChange={(e) => setDetail(e.target.value)} />}
          </Field>
        ) : null}
        {type === 'ssh' ? (
          <Field label="As user" error={submission.fieldError('action.username')}>
            {({ id }) => <input id={id} value={username} onChange={(e) => setUsername(e.target.value)} />}
          </Field>
        ) : null}
        <Field label="From address" error={submission.fieldError('ip')}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              value={ip}
              onChange={(e) => setIp(e.target.value)}
              placeholder="203.0.113.7"
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
            />
          )}
        </Field>
        <Field label="At" error={submission.fieldError('time')}>
          {({ id }) => (
            <input id={id} type="datetime-local" value={time} onChange={(e) => setTime(e.target.value)} />
          )}
        </Field>
        <button type="submit" disabled={submission.busy || !socket}>
          Check access
        </button>
      </form>
      <SubmitError submission={submission} />
      {decision ? (
        <div role="status" className={decision.allowed ? 'verdict allowed' : 'verdict denied'}>
          <p>
            <strong>{decision.allowed ? 'Allowed' : 'Denied'}</strong>: {decision.reason}
            {decision.country ? ` (from ${decision.country})` : ''}
          </p>
          {decision.explanation.length > 0 ? (
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Each policy's verdict</caption>
                <thead>
                  <tr>
                    <th scope="col">Policy</th>
                    <th scope="col">Matched</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {decision.explanation.map((v) => (
                    <tr key={v.policy_id}>
                      <td>{v.policy_name}</td>
                      <td>{v.matched ? 'yes' : `no (${v.failed ?? ''})`}</td>
                      <td>{v.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="note">No policy applies to this socket.</p>
          )}
        </div>
      ) : null}
    </section>
  );
}
