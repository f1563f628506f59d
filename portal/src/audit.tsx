/**
 * The audit log, newest first, with its hash chain verified in the browser (the SDK's verifyAuditChain, as
 * `border0 audit verify` does): every entry read, each hash recomputed, each link and sequence number checked.
 */
import { type AuditVerification, verifyAuditChain } from '@border0/sdk';
import { useState } from 'react';
import { api } from './api.js';
import { when } from './sessions.js';
import { Load } from './states.js';
import { useApi } from './use-api.js';

const SHOWN = 300;

async function loadAudit() {
  const entries = [];
  // The chain only verifies in full: every page, no filters.
  for await (const entry of api.paginate('/api/v1/audit', { params: { query: { limit: 500 } } }))
    entries.push(entry);
  const verification: AuditVerification = await verifyAuditChain(entries);
  return { entries, verification };
}

export function AuditLog() {
  const loaded = useApi(loadAudit, []);
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <Load
        loaded={loaded}
        what="the audit log"
        empty={(d) => d.entries.length === 0}
        emptyText="Nothing has been audited yet."
      >
        {({ entries, verification }) => {
          const shown = entries
            .filter(
              (e) =>
                !needle ||
                `${e.action} ${e.actor} ${e.resource_type} ${e.resource_id ?? ''}`
                  .toLowerCase()
                  .includes(needle),
            )
            .reverse()
            .slice(0, SHOWN);
          return (
            <>
              {verification.valid ? (
                <p className="verdict allowed" role="status">
                  Chain verified: all {verification.entries_checked} entries are intact and linked.
                </p>
              ) : (
                <p className="verdict denied" role="alert">
                  Chain broken at entry #{verification.broken_at?.seq}: {verification.broken_at?.reason}. The
                  log was changed outside the platform.
                </p>
              )}
              <form className="filters" onSubmit={(e) => e.preventDefault()}>
                <label>
                  Filter
                  <input
                    type="search"
                    value={filter}
                    onChange={(e) => setFilter(e.target.value)}
                    placeholder="action, actor or resource"
                  />
                </label>
              </form>
              <div className="table-wrap">
                <table className="log">
                  <caption className="sr-only">Audit entries, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">#</th>
                      <th scope="col">Time</th>
                      <th scope="col">Actor</th>
                      <th scope="col">Action</th>
                      <th scope="col">Resource</th>
                      <th scope="col">From</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((e) => (
                      <tr key={e.id}>
                        <td>{e.seq}</td>
                        <td>{when(e.time)}</td>
                        <td>{e.actor}</td>
                        <td>{e.action}</td>
                        <td>
                          {e.resource_type}
                          {e.resource_id ? ` ${e.resource_id}` : ''}
                        </td>
                        <td>{e.ip ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {entries.length > SHOWN && !needle ? (
                <p className="note">
                  The newest {SHOWN} of {entries.length} entries.
                </p>
              ) : null}
            </>
          );
        }}
      </Load>
    </section>
  );
}
