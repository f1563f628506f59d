/**
 * One service account: its tokens (a new one is shown once, then only its name; revoking asks twice) and the
 * OIDC issuers it trusts (web identities: a CI job's token of that issuer, audience, subject and claims is
 * exchanged for a token of this account).
 */
import type { Schema } from '@border0/sdk';
import { type FormEvent, useState } from 'react';
import { api } from './api.js';
import { ConfirmButton, Field, SubmitError, useSubmission } from './form.js';
import { follow } from './router.js';
import { when } from './sessions.js';
import { Load } from './states.js';
import { useApi } from './use-api.js';

function Tokens({ account }: { account: Schema<'ServiceAccount'> }) {
  const [round, setRound] = useState(0);
  const path = { service_account: account.id };
  const loaded = useApi(
    async () =>
      (
        await api.get('/api/v1/service-accounts/{service_account}/tokens', {
          params: { path, query: { limit: 500 } },
        })
      ).items,
    [round],
  );
  const [name, setName] = useState('');
  const [created, setCreated] = useState<Schema<'TokenCreated'>>();
  const submission = useSubmission();
  const revoking = useSubmission();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void submission.run(async () => {
      setCreated(
        await api.post('/api/v1/service-accounts/{service_account}/tokens', {
          params: { path },
          body: { name: name.trim() },
        }),
      );
      setName('');
      setRound((r) => r + 1);
    });
  };
  return (
    <section aria-labelledby="tokens-title">
      <h2 id="tokens-title">Tokens</h2>
      <form className="filters" onSubmit={submit} aria-label="New token">
        <Field label="Token name" error={submission.fieldError('name')}>
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
          Create token
        </button>
      </form>
      <SubmitError submission={submission} />
      {created ? (
        <p role="status">
          Token {created.name}, shown once (copy it now): <code className="secret">{created.token}</code>
        </p>
      ) : null}
      <SubmitError submission={revoking} />
      <Load loaded={loaded} what="tokens" empty={(t) => t.length === 0}>
        {(items) => (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Tokens</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((t) => (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    <td>{when(t.created_at)}</td>
                    <td>{t.expires_at ? when(t.expires_at) : 'never'}</td>
                    <td>{t.last_used_at ? when(t.last_used_at) : 'never'}</td>
                    <td>
                      <ConfirmButton
                        label="Revoke"
                        what={t.name}
                        confirm={`revoke ${t.name}`}
                        busy={revoking.busy}
                        onConfirm={() =>
                          void revoking.run(async () => {
                            await api.delete('/api/v1/service-accounts/{service_account}/tokens/{token_id}', {
                              params: { path: { ...path, token_id: t.id } },
                            });
                            if (created?.id === t.id) setCreated(undefined);
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

/** `key=value` lines as claims; a line without `=` is passed on as is, for the API to name. */
function claimsOf(text: string): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    claims[(at === -1 ? line : line.slice(0, at)).trim()] = at === -1 ? '' : line.slice(at + 1).trim();
  }
  return claims;
}

function WebIdentities({ account }: { account: Schema<'ServiceAccount'> }) {
  const [round, setRound] = useState(0);
  const path = { service_account: account.id };
  const loaded = useApi(
    async () =>
      (
        await api.get('/api/v1/service-accounts/{service_account}/web-identities', {
          params: { path, query: { limit: 500 } },
        })
      ).items,
    [round],
  );
  const empty = { name: '', issuer: '', audience: '', subject: '', claims: '' };
  const [values, setValues] = useState(empty);
  const submission = useSubmission();
  const removing = useSubmission();
  const input = (key: keyof typeof empty, label: string, hint?: string) => (
    <Field label={label} error={submission.fieldError(key)} {...(hint && { hint })}>
      {({ id, describedBy, invalid }) =>
        key === 'claims' ? (
          <textarea
            id={id}
            rows={2}
            value={values[key]}
            onChange={(e) => setValues((v) => ({ ...v, [key]: e.target.value }))}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
          />
        ) : (
          <input
            id={id}
            value={values[key]}
            onChange={(e) => setValues((v) => ({ ...v, [key]: e.target.value }))}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            autoComplete="off"
          />
        )
      }
    </Field>
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void submission.run(async () => {
      const claims = claimsOf(values.claims);
      await api.post('/api/v1/service-accounts/{service_account}/web-identities', {
        params: { path },
        body: {
          name: values.name.trim(),
          issuer: values.issuer.trim(),
          audience: values.audience.trim(),
          subject: values.subject.trim(),
          ...(Object.keys(claims).length > 0 && { claims }),
        },
      });
      setValues(empty);
      setRound((r) => r + 1);
    });
  };
  return (
    <section aria-labelledby="web-identities-title">
      <h2 id="web-identities-title">Trusted web identities</h2>
      <p className="note">
        OIDC issuers (a CI system, a cloud) whose tokens are exchanged for a short-lived token of this
        account: no stored secret.
      </p>
      <SubmitError submission={removing} />
      <Load loaded={loaded} what="web identities" empty={(w) => w.length === 0}>
        {(items) => (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Trusted web identities</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Issuer</th>
                  <th scope="col">Audience</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Claims</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((w) => (
                  <tr key={w.id}>
                    <td>{w.name}</td>
                    <td>{w.issuer}</td>
                    <td>{w.audience}</td>
                    <td>{w.subject}</td>
                    <td>
                      {Object.entries(w.claims)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(', ')}
                    </td>
                    <td>
                      <ConfirmButton
                        label="Delete"
                        what={w.name}
                        confirm={`stop trusting ${w.name}`}
                        busy={removing.busy}
                        onConfirm={() =>
                          void removing.run(async () => {
                            await api.delete(
                              '/api/v1/service-accounts/{service_account}/web-identities/{web_identity}',
                              { params: { path: { ...path, web_identity: w.id } } },
                            );
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
      <form className="form" onSubmit={submit} aria-label="Trust a web identity">
        <fieldset>
          <legend>Trust an issuer</legend>
          {input('name', 'Web identity name')}
          {input('issuer', 'Issuer', 'The issuer (iss) exactly: an https URL.')}
          {input('audience', 'Audience', 'What the token’s audience (aud) must name.')}
          {input(
            'subject',
            'Subject',
            'What the token’s subject (sub) must be; * stands for any run of characters.',
          )}
          {input('claims', 'Claims', 'Optional: one claim=pattern per line.')}
        </fieldset>
        <SubmitError submission={submission} />
        <div className="actions">
          <button type="submit" className="primary" disabled={submission.busy}>
            Trust web identity
          </button>
        </div>
      </form>
    </section>
  );
}

export function ServiceAccountDetail({ id }: { id: string }) {
  const loaded = useApi(
    () =>
      api.get('/api/v1/service-accounts/{service_account}', { params: { path: { service_account: id } } }),
    [id],
  );
  return (
    <section aria-labelledby="service-account-title">
      <p>
        <a href="/service-accounts" onClick={(e) => follow(e, '/service-accounts')}>
          All service accounts
        </a>
      </p>
      <Load loaded={loaded} what="the service account">
        {(account) => (
          <>
            <h1 id="service-account-title">Service account {account.name}</h1>
            <p className="note">
              Role {account.role}
              {account.description ? `: ${account.description}` : ''}
            </p>
            <Tokens account={account} />
            <WebIdentities account={account} />
          </>
        )}
      </Load>
    </section>
  );
}
