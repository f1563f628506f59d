/** Who can use the platform: members, groups, service accounts, and the identity providers people log in with. */
import type { Schema } from '@border0/sdk';
import { type FormEvent, type ReactNode, useState } from 'react';
import { api } from './api.js';
import { Field, type Submission, SubmitError, useSubmission } from './form.js';
import { when } from './sessions.js';
import { Load } from './states.js';
import { useApi } from './use-api.js';

const ROLES: Schema<'Role'>[] = ['member', 'admin', 'owner', 'read_only', 'client'];

/** A small create form: its fields, a submit button, the API's complaint beside each field and under it. */
function CreateForm(props: {
  label: string;
  submission: Submission;
  onSubmit: () => Promise<void>;
  children: ReactNode;
}) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void props.submission.run(props.onSubmit);
  };
  return (
    <>
      <form className="filters" onSubmit={submit} aria-label={props.label}>
        {props.children}
        <button type="submit" disabled={props.submission.busy}>
          {props.label}
        </button>
      </form>
      <SubmitError submission={props.submission} />
    </>
  );
}

function RoleSelect({
  value,
  onChange,
}: {
  value: Schema<'Role'>;
  onChange: (role: Schema<'Role'>) => void;
}) {
  return (
    <Field label="Role">
      {({ id }) => (
        <select id={id} value={value} onChange={(e) => onChange(e.target.value as Schema<'Role'>)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** One member's row: the role changes at once (the API refuses what the caller may not grant), removal asks twice. */
function MemberRow({ member, onChange }: { member: Schema<'Member'>; onChange: () => void }) {
  const submission = useSubmission();
  const [removing, setRemoving] = useState(false);
  const path = { member: member.user_id };
  return (
    <tr>
      <td>{member.email}</td>
      <td>{member.display_name ?? ''}</td>
      <td>
        <select
          aria-label={`Role of ${member.email}`}
          value={member.role}
          disabled={submission.busy}
          onChange={(e) =>
            submission.run(async () => {
              await api.patch('/api/v1/members/{member}', {
                params: { path },
                body: { role: e.target.value as Schema<'Role'> },
              });
              onChange();
            })
          }
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <SubmitError submission={submission} />
      </td>
      <td>{when(member.created_at)}</td>
      <td>
        {removing ? (
          <button
            type="button"
            className="danger"
            onClick={() =>
              submission.run(async () => {
                await api.delete('/api/v1/members/{member}', { params: { path } });
                onChange();
              })
            }
          >
            Confirm: remove {member.email}
          </button>
        ) : (
          <button type="button" onClick={() => setRemoving(true)} aria-label={`Remove ${member.email}`}>
            Remove
          </button>
        )}
      </td>
    </tr>
  );
}

export function Members() {
  const [round, setRound] = useState(0);
  const loaded = useApi(
    async () => (await api.get('/api/v1/members', { params: { query: { limit: 500 } } })).items,
    [round],
  );
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Schema<'Role'>>('member');
  const submission = useSubmission();
  return (
    <section aria-labelledby="members-title">
      <h1 id="members-title">Members</h1>
      <CreateForm
        label="Add member"
        submission={submission}
        onSubmit={async () => {
          await api.post('/api/v1/members', { body: { email: email.trim(), role } });
          setEmail('');
          setRound((r) => r + 1);
        }}
      >
        <Field label="Email" error={submission.fieldError('email')}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
            />
          )}
        </Field>
        <RoleSelect value={role} onChange={setRole} />
      </CreateForm>
      <Load loaded={loaded} what="members" empty={(m) => m.length === 0}>
        {(items) => (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Members</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Since</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((m) => (
                  <MemberRow key={m.user_id} member={m} onChange={() => setRound((r) => r + 1)} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Load>
    </section>
  );
}

export function Groups() {
  const [round, setRound] = useState(0);
  const loaded = useApi(
    async () => (await api.get('/api/v1/groups', { params: { query: { limit: 500 } } })).items,
    [round],
  );
  const [name, setName] = useState('');
  const submission = useSubmission();
  const adding = useSubmission();
  const [memberEmail, setMemberEmail] = useState<Record<string, string>>({});
  return (
    <section aria-labelledby="groups-title">
      <h1 id="groups-title">Groups</h1>
      <CreateForm
        label="Create group"
        submission={submission}
        onSubmit={async () => {
          await api.post('/api/v1/groups', { body: { name: name.trim() } });
          setName('');
          setRound((r) => r + 1);
        }}
      >
        <Field label="Name" error={submission.fieldError('name')}>
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
      </CreateForm>
      <Load loaded={loaded} what="groups" empty={(g) => g.length === 0}>
        {(items) => (
          <ul className="cards wide">
            {items.map((g) => (
              <li key={g.id} className="card">
                <h2>{g.name}</h2>
                <p className="note">Id for policies: {g.id}</p>
                <p>Members: {g.members.map((m) => m.email).join(', ') || 'none'}</p>
                <form
                  className="filters"
                  aria-label={`Add a member to ${g.name}`}
                  onSubmit={(e) => {
                    e.preventDefault();
                    void adding.run(async () => {
                      await api.post('/api/v1/groups/{group}/members', {
                        params: { path: { group: g.id } },
                        body: { email: (memberEmail[g.id] ?? '').trim() },
                      });
                      setMemberEmail((m) => ({ ...m, [g.id]: '' }));
                      setRound((r) => r + 1);
                    });
                  }}
                >
                  <Field label="Member email">
                    {({ id }) => (
                      <input
                        id={id}
                        type="email"
                        value={memberEmail[g.id] ?? ''}
                        onChange={(e) => setMemberEmail((m) => ({ ...m, [g.id]: e.target.value }))}
                      />
                    )}
                  </Field>
                  <button type="submit">Add to group</button>
                </form>
              </li>
            ))}
          </ul>
        )}
      </Load>
      <SubmitError submission={adding} />
    </section>
  );
}

export function ServiceAccounts() {
  const [round, setRound] = useState(0);
  const loaded = useApi(
    async () => (await api.get('/api/v1/service-accounts', { params: { query: { limit: 500 } } })).items,
    [round],
  );
  const [name, setName] = useState('');
  const [role, setRole] = useState<Schema<'Role'>>('client');
  const [token, setToken] = useState<string>();
  const submission = useSubmission();
  const tokens = useSubmission();
  return (
    <section aria-labelledby="service-accounts-title">
      <h1 id="service-accounts-title">Service accounts</h1>
      <CreateForm
        label="Create service account"
        submission={submission}
        onSubmit={async () => {
          await api.post('/api/v1/service-accounts', { body: { name: name.trim(), role } });
          setName('');
          setRound((r) => r + 1);
        }}
      >
        <Field label="Name" error={submission.fieldError('name')}>
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
        <RoleSelect value={role} onChange={setRole} />
      </CreateForm>
      {token ? (
        <p role="status">
          The new token, shown once: <code className="secret">{token}</code>
        </p>
      ) : null}
      <SubmitError submission={tokens} />
      <Load loaded={loaded} what="service accounts" empty={(s) => s.length === 0}>
        {(items) => (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Service accounts</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Created</th>
                  <th scope="col">Token</th>
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.id}>
                    <td>{s.name}</td>
                    <td>{s.role}</td>
                    <td>{when(s.created_at)}</td>
                    <td>
                      <button
                        type="button"
                        onClick={() =>
                          tokens.run(async () => {
                            const created = await api.post(
                              '/api/v1/service-accounts/{service_account}/tokens',
                              {
                                params: { path: { service_account: s.id } },
                                body: { name: `portal ${new Date().toISOString()}` },
                              },
                            );
                            setToken(created.token);
                          })
                        }
                      >
                        New token for {s.name}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Load>
    </section>
  );
}

export function IdentityProviders() {
  const loaded = useApi(
    async () => (await api.get('/api/v1/identity-providers', { params: { query: { limit: 500 } } })).items,
    [],
  );
  return (
    <section aria-labelledby="idp-title">
      <h1 id="idp-title">Identity providers</h1>
      <p className="note">
        OpenID Connect providers people log in with; add one with{' '}
        <code>border0 identity-provider create</code>.
      </p>
      <Load loaded={loaded} what="identity providers" empty={(i) => i.length === 0}>
        {(items) => (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Identity providers</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Issuer</th>
                  <th scope="col">Client id</th>
                  <th scope="col">Enabled</th>
                </tr>
              </thead>
              <tbody>
                {items.map((i) => (
                  <tr key={i.id}>
                    <td>{i.display_name ?? i.name}</td>
                    <td>{i.issuer}</td>
                    <td>{i.client_id}</td>
                    <td>{i.enabled ? 'yes' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Load>
    </section>
  );
}
