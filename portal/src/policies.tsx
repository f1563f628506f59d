/** Policies: the list with the what-if checker, one policy's page (edit, delete), and a new policy. */
import { api } from './api.js';
import { ConfirmButton, SubmitError, useSubmission } from './form.js';
import { PolicyForm } from './policy-form.js';
import { follow, navigate } from './router.js';
import { Load } from './states.js';
import { useApi } from './use-api.js';
import { WhatIf } from './what-if.js';

async function loadAll() {
  const [policies, sockets] = await Promise.all([
    api.get('/api/v1/policies', { params: { query: { limit: 500 } } }),
    api.get('/api/v1/sockets', { params: { query: { limit: 500 } } }),
  ]);
  return { policies: policies.items, sockets: sockets.items };
}

export function Policies() {
  const loaded = useApi(loadAll, []);
  return (
    <section aria-labelledby="policies-title">
      <h1 id="policies-title">Policies</h1>
      <p>
        <a className="button" href="/policies/new" onClick={(e) => follow(e, '/policies/new')}>
          New policy
        </a>
      </p>
      <Load loaded={loaded} what="policies">
        {({ policies, sockets }) => {
          const names = new Map(sockets.map((s) => [s.id, s.name]));
          return (
            <>
              {policies.length === 0 ? (
                <p className="note">No policies: nobody may use any socket (default deny).</p>
              ) : (
                <div className="table-wrap">
                  <table>
                    <caption className="sr-only">Policies</caption>
                    <thead>
                      <tr>
                        <th scope="col">Name</th>
                        <th scope="col">Applies to</th>
                        <th scope="col">Allows</th>
                      </tr>
                    </thead>
                    <tbody>
                      {policies.map((p) => (
                        <tr key={p.id}>
                          <td>
                            <a href={`/policies/${p.id}`} onClick={(e) => follow(e, `/policies/${p.id}`)}>
                              {p.name}
                            </a>
                          </td>
                          <td>
                            {[
                              p.org_wide ? 'every socket' : '',
                              ...p.socket_ids.map((id) => names.get(id) ?? id),
                              ...p.tag_rules.map((r) =>
                                Object.entries(r)
                                  .map(([k, v]) => `${k}=${v}`)
                                  .join(' & '),
                              ),
                            ]
                              .filter(Boolean)
                              .join(', ') || 'nothing yet'}
                          </td>
                          <td>{Object.keys(p.document.permissions).join(', ') || 'nothing'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              {sockets.length > 0 ? <WhatIf sockets={sockets} /> : null}
            </>
          );
        }}
      </Load>
    </section>
  );
}

export function PolicyNew() {
  const loaded = useApi(loadAll, []);
  return (
    <section aria-labelledby="policy-new-title">
      <h1 id="policy-new-title">New policy</h1>
      <Load loaded={loaded} what="sockets">
        {({ sockets }) => <PolicyForm socketNames={new Map(sockets.map((s) => [s.id, s.name]))} />}
      </Load>
    </section>
  );
}

export function PolicyDetail({ id }: { id: string }) {
  const loaded = useApi(async () => {
    const [policy, all] = await Promise.all([
      api.get('/api/v1/policies/{policy}', { params: { path: { policy: id } } }),
      loadAll(),
    ]);
    return { policy, sockets: all.sockets };
  }, [id]);
  const removal = useSubmission();
  return (
    <section aria-labelledby="policy-title">
      <p>
        <a href="/policies" onClick={(e) => follow(e, '/policies')}>
          ← All policies
        </a>
      </p>
      <Load loaded={loaded} what="the policy">
        {({ policy, sockets }) => (
          <>
            <h1 id="policy-title">Policy {policy.name}</h1>
            <PolicyForm existing={policy} socketNames={new Map(sockets.map((s) => [s.id, s.name]))} />
            <div className="actions">
              <ConfirmButton
                label="Delete policy"
                what={policy.name}
                confirm={`delete ${policy.name}`}
                busy={removal.busy}
                onConfirm={() =>
                  removal.run(async () => {
                    await api.delete('/api/v1/policies/{policy}', {
                      params: { path: { policy: policy.id } },
                    });
                    navigate('/policies');
                  })
                }
              />
            </div>
            <SubmitError submission={removal} />
            {sockets.length > 0 ? <WhatIf sockets={sockets} /> : null}
          </>
        )}
      </Load>
    </section>
  );
}
