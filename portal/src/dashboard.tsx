/** The dashboard: sockets, connectors online, live sessions and refused attempts in the last 24 hours. */
import type { Border0Client } from '@border0/sdk';
import { api } from './api.js';
import { follow } from './router.js';
import { Load } from './states.js';
import { usePolled } from './use-polled.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Every item of a list (the counts must be whole, not a page's). */
async function all<T>(items: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function loadDashboard(client: Border0Client) {
  const since = new Date(Date.now() - DAY_MS).toISOString();
  const [sockets, connectors, live, refused] = await Promise.all([
    all(client.paginate('/api/v1/sockets', { params: { query: { limit: 500 } } })),
    all(client.paginate('/api/v1/connectors', { params: { query: { limit: 500 } } })),
    all(client.paginate('/api/v1/sessions', { params: { query: { limit: 500, live: 'true' } } })),
    all(
      client.paginate('/api/v1/sessions', {
        params: { query: { limit: 500, result: 'denied', from: since } },
      }),
    ),
  ]);
  return {
    sockets: sockets.length,
    connectorsOnline: connectors.filter((c) => c.status === 'online').length,
    connectors: connectors.length,
    live: live.length,
    // A refusal record may stand for several attempts (repeats are counted into one record).
    refused: refused.reduce((sum, s) => sum + s.attempts, 0),
  };
}

function Tile(props: { label: string; value: string | number; to: string }) {
  return (
    <li className="tile">
      <a href={props.to} onClick={(e) => follow(e, props.to)}>
        <span className="tile-value">{props.value}</span>
        <span className="tile-label">{props.label}</span>
      </a>
    </li>
  );
}

export function Dashboard() {
  const loaded = usePolled(() => loadDashboard(api), [], 5000);
  return (
    <section aria-labelledby="dashboard-title">
      <h1 id="dashboard-title">Dashboard</h1>
      <Load loaded={loaded} what="the dashboard">
        {(d) => (
          <ul className="tiles">
            <Tile label="Sockets" value={d.sockets} to="/sockets" />
            <Tile
              label="Connectors online"
              value={`${d.connectorsOnline} of ${d.connectors}`}
              to="/connectors"
            />
            <Tile label="Live sessions" value={d.live} to="/sessions?live=true" />
            <Tile label="Refused attempts, last 24 h" value={d.refused} to="/sessions?result=denied" />
          </ul>
        )}
      </Load>
    </section>
  );
}
