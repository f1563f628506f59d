/**
 * The OIDC identity providers people log in with: add, edit, delete. The client secret is write-only: the API
 * says only whether one is stored; an edit with the field left empty keeps it.
 */
import type { Schema } from '@border0/sdk';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api } from './api.js';
import { ConfirmButton, Field, SubmitError, useSubmission } from './form.js';
import { Load } from './states.js';
import { useApi } from './use-api.js';

type Provider = Schema<'IdentityProvider'>;

const DEFAULT_SCOPES = 'openid email profile';

function IdentityProviderForm(props: { existing?: Provider; onSaved: () => void; onCancel?: () => void }) {
  const { existing } = props;
  const [values, setValues] = useState({
    name: existing?.name ?? '',
    display_name: existing?.display_name ?? '',
    issuer: existing?.issuer ?? '',
    client_id: existing?.client_id ?? '',
    client_secret: '',
    remove_secret: false,
    scopes: existing?.scopes.join(' ') ?? DEFAULT_SCOPES,
    email_claim: existing?.email_claim ?? 'email',
    groups_claim: existing?.groups_claim ?? 'groups',
    enabled: existing?.enabled ?? true,
  });
  const submission = useSubmission();
  const label = existing ? `Save ${existing.name}` : 'Add identity provider';
  // Opened for an edit, the form takes the focus: a keyboard user lands in what they asked for.
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (existing) form.current?.querySelector('input')?.focus();
  }, [existing?.id]);
  const text = (
    key: 'name' | 'display_name' | 'issuer' | 'client_id' | 'scopes' | 'email_claim' | 'groups_claim',
    title: string,
    hint?: string,
  ) => (
    <Field label={title} error={submission.fieldError(key)} {...(hint && { hint })}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          value={values[key]}
          onChange={(e) => setValues((v) => ({ ...v, [key]: e.target.value }))}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          autoComplete="off"
        />
      )}
    </Field>
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void submission.run(async () => {
      const common = {
        name: values.name.trim(),
        issuer: values.issuer.trim(),
        client_id: values.client_id.trim(),
        scopes: values.scopes.split(/[\s,]+/).filter(Boolean),
        email_claim: values.email_claim.trim(),
        groups_claim: values.groups_claim.trim(),
        enabled: values.enabled,
      };
      const displayName = values.display_name.trim();
      if (existing) {
        await api.patch('/api/v1/identity-providers/{identity_provider}', {
          params: { path: { identity_provider: existing.id } },
          body: {
            ...common,
            display_name: displayName || null,
            // Empty keeps the stored secret; removing it is asked for explicitly.
            ...(values.remove_secret
              ? { client_secret: null }
              : values.client_secret && { client_secret: values.client_secret }),
          },
        });
      } else {
        await api.post('/api/v1/identity-providers', {
          body: {
            ...common,
            ...(displayName && { display_name: displayName }),
            ...(values.client_secret && { client_secret: values.client_secret }),
          },
        });
      }
      props.onSaved();
    });
  };
  return (
    <form
      ref={form}
      className="form"
      onSubmit={submit}
      aria-label={existing ? `Edit ${existing.name}` : 'New identity provider'}
    >
      <fieldset>
        <legend>{existing ? `Edit ${existing.name}` : 'New identity provider'}</legend>
        {text('name', 'Name', 'Lower-case letters, digits and dashes.')}
        {text('display_name', 'Login button label')}
        {text(
          'issuer',
          'Issuer',
          'An https URL (http only on loopback); its discovery document names the endpoints.',
        )}
        {text('client_id', 'Client id')}
        <Field
          label="Client secret"
          error={submission.fieldError('client_secret')}
          hint={
            existing
              ? `Write-only: ${existing.client_secret_set ? 'one is stored; ' : 'none stored; '}leave empty to keep.`
              : 'Write-only; leave empty for a public client (PKCE only).'
          }
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="password"
              value={values.client_secret}
              disabled={values.remove_secret}
              onChange={(e) => setValues((v) => ({ ...v, client_secret: e.target.value }))}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              autoComplete="new-password"
            />
          )}
        </Field>
        {existing?.client_secret_set ? (
          <label>
            <input
              type="checkbox"
              checked={values.remove_secret}
              onChange={(e) => setValues((v) => ({ ...v, remove_secret: e.target.checked }))}
            />{' '}
            Remove the stored client secret
          </label>
        ) : null}
        {text('scopes', 'Scopes', 'Separated by spaces; must include openid.')}
        {text('email_claim', 'Email claim')}
        {text('groups_claim', 'Groups claim')}
        <label>
          <input
            type="checkbox"
            checked={values.enabled}
            onChange={(e) => setValues((v) => ({ ...v, enabled: e.target.checked }))}
          />{' '}
          Enabled
        </label>
      </fieldset>
      <SubmitError submission={submission} />
      <div className="actions">
        <button type="submit" className="primary" disabled={submission.busy}>
          {label}
        </button>
        {props.onCancel ? (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

function ProviderRow(props: { provider: Provider; onEdit: () => void; onChange: () => void }) {
  const { provider } = props;
  const removing = useSubmission();
  return (
    <tr>
      <td>{provider.name}</td>
      <td>{provider.display_name ?? ''}</td>
      <td>{provider.issuer}</td>
      <td>{provider.client_id}</td>
      <td>{provider.client_secret_set ? 'stored' : 'none'}</td>
      <td>{provider.enabled ? 'yes' : 'no'}</td>
      <td>
        <button type="button" onClick={props.onEdit} aria-label={`Edit ${provider.name}`}>
          Edit
        </button>{' '}
        <ConfirmButton
          label="Delete"
          what={provider.name}
          confirm={`delete ${provider.name}`}
          busy={removing.busy}
          onConfirm={() =>
            void removing.run(async () => {
              await api.delete('/api/v1/identity-providers/{identity_provider}', {
                params: { path: { identity_provider: provider.id } },
              });
              props.onChange();
            })
          }
        />
        <SubmitError submission={removing} />
      </td>
    </tr>
  );
}

export function IdentityProviders() {
  const [round, setRound] = useState(0);
  const [editing, setEditing] = useState<string>();
  const loaded = useApi(
    async () => (await api.get('/api/v1/identity-providers', { params: { query: { limit: 500 } } })).items,
    [round],
  );
  const reload = () => {
    setEditing(undefined);
    setRound((r) => r + 1);
  };
  const edited = loaded.state === 'ready' ? loaded.data.find((p) => p.id === editing) : undefined;
  return (
    <section aria-labelledby="idp-title">
      <h1 id="idp-title">Identity providers</h1>
      <p className="note">OpenID Connect providers people log in with (HTTP sockets and the portal).</p>
      <Load loaded={loaded} what="identity providers" empty={(i) => i.length === 0}>
        {(items) => (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Identity providers</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Login button</th>
                  <th scope="col">Issuer</th>
                  <th scope="col">Client id</th>
                  <th scope="col">Client secret</th>
                  <th scope="col">Enabled</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((p) => (
                  <ProviderRow key={p.id} provider={p} onEdit={() => setEditing(p.id)} onChange={reload} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Load>
      {edited ? (
        <IdentityProviderForm
          key={edited.id}
          existing={edited}
          onSaved={reload}
          onCancel={() => setEditing(undefined)}
        />
      ) : (
        <IdentityProviderForm key={`new-${round}`} onSaved={reload} />
      )}
    </section>
  );
}
