/** Who can use the platform: members, groups, service accounts, and the identity providers people log in with. */
import type { Schema } from '@border0/sdk';
import { type FormEvent, type ReactNode, useState } from 'react';
import { api } from './api.js';
import { ConfirmButton, Field, type Submission, SubmitError, useSubmission } from './form.js';
import { follow } from './router.js';
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

/** One group: its members (each removable, asked twice), adding a member, renaming, deleting (asked twice). */
function GroupCard({ group, onChange }: { group: Schema<'Group'>; onChange: () => void }) {
  const changing = useSubmission();
  const renaming = useSubmission();
  const [email, setEmail] = useState('');
  const [name, setName] = useState(group.name);
  const path = { group: group.id };
  return (
    <>
      <h2>{group.name}</h2>
      <p className="note">Id for policies: {group.id}</p>
      {group.members.length === 0 ? (
        <p>Members: none</p>
      ) : (
        <ul className="members" aria-label={`Members of ${group.name}`}>
          {group.members.map((m) => (
            <li key={m.user_id}>
              {m.email}{' '}
              <ConfirmButton
                label="Remove"
                what={`${m.email} from ${group.name}`}
                confirm={`remove ${m.email} from ${group.name}`}
                busy={changing.busy}
                onConfirm={() =>
                  void changing.run(async () => {
                    await api.delete('/api/v1/groups/{group}/members/{member}', {
                      params: { path: { ...path, member: m.user_id } },
                    });
                    onChange();
                  })
                }
              />
            </li>
          ))}
        </ul>
      )}
      <form
        className="filters"
        aria-label={`Add a member to ${group.name}`}
        onSubmit={(e) => {
          e.preventDefault();
          void changing.run(async () => {
            await api.post('/api/v1/groups/{group}/members', {
              params: { path },
              body: { email: email.trim() },
            });
            setEmail('');
            onChange();
          });
        }}
      >
        <Field label="Member email">
          {({ id }) => (
            <input id={id} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
          )}
        </Field>
        <button type="submit" disabled={changing.busy}>
          Add to group
        </button>
      </form>
      <SubmitError submission={changing} />
      <form
        className="filters"
        aria-label={`Rename ${group.name}`}
        onSubmit={(e) => {
          e.preventDefault();
          void renaming.run(async () => {
            await api.patch('/api/v1/groups/{group}', { params: { path }, body: { name: name.trim() } });
            onChange();
          });
        }}
      >
        <Field label="Group name" error={renaming.fieldError('name')}>
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
        <button type="submit" disabled={renaming.busy}>
          Rename
        </button>
      </form>
      <SubmitError submission={renaming} />
      <p className="actions">
        <ConfirmButton
          label="Delete group"
          what={group.name}
          confirm={`delete group ${group.name}`}
          busy={changing.busy}
          onConfirm={() =>
            void changing.run(async () => {
              await api.delete('/api/v1/groups/{group}', { params: { path } });
              onChange();
            })
          }
        />
      </p>
    </>
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
                <GroupCard group={g} onChange={() => setRound((r) => r + 1)} />
              </li>
            ))}
          </ul>
        )}
      </Load>
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
  const submission = useSubmission();
  const removing = useSubmission();
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
      <SubmitError submission={removing} />
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
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <a
                        href={`/service-accounts/${s.id}`}
                        onClick={(e) => follow(e, `/service-accounts/${s.id}`)}
                      >
                        {s.name}
                      </a>
                    </td>
                    <td>{s.role}</td>
                    <td>{when(s.created_at)}</td>
                    <td>
                      <ConfirmButton
                        label="Delete"
                        what={s.name}
                        confirm={`delete ${s.name} and its tokens`}
                        busy={removing.busy}
                        onConfirm={() =>
                          void removing.run(async () => {
                            await api.delete('/api/v1/service-accounts/{service_account}', {
                              params: { path: { service_account: s.id } },
                            });
                            setRound((r) => r + 1);
                          })
                        }
                      />
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
