/**
 * A query log or HTTP access log (JSON lines) as a table. Every cell is React text: whatever a recording holds
 * (a statement with markup, a request path with script) is shown as characters and can act on nothing.
 */

type Line = Record<string, unknown>;

export function parseLogLines(text: string): { header: Line | undefined; rows: Line[] } {
  const parsed: Line[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(raw);
      if (value && typeof value === 'object' && !Array.isArray(value)) parsed.push(value as Line);
    } catch {
      // A line cut by a crash: the rest of the log is still worth showing.
    }
  }
  const [first, ...rest] = parsed;
  return first && 'version' in first ? { header: first, rows: rest } : { header: undefined, rows: parsed };
}

const cell = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

const COLUMNS: Record<string, [string, (line: Line) => unknown][]> = {
  'query-log': [
    ['At (s)', (l) => l.t],
    // The proxies write `db` and `params` (RecordingCreate in the spec); older logs `database`, `parameters`.
    ['Database', (l) => l.db ?? l.database],
    ['Statement', (l) => l.statement],
    ['Parameters', (l) => l.params ?? l.parameters],
    ['Type', (l) => l.query_type],
    ['Rows', (l) => l.rows],
    ['Took (ms)', (l) => l.duration_ms],
    ['Result', (l) => l.refused ?? (l.error as { message?: string } | undefined)?.message ?? l.tag ?? 'ok'],
  ],
  'http-log': [
    ['At (s)', (l) => l.t],
    ['Method', (l) => l.method],
    ['Path', (l) => l.path],
    ['Status', (l) => l.status],
    ['In', (l) => l.bytes_in],
    ['Out', (l) => l.bytes_out],
    ['Took (ms)', (l) => l.duration_ms],
    ['User', (l) => l.user],
  ],
};

/**
 * Where each line falls in the session, as a bar from its start (`t`) over its duration: the timeline. Set
 * through the CSSOM (React's style), which the portal's CSP allows; decoration only, the numbers are cells.
 */
function TimelineBar({ row, span }: { row: Line; span: number }) {
  const at = Number(row.t) || 0;
  const took = (Number(row.duration_ms) || 0) / 1000;
  return (
    <td className="timeline" aria-hidden="true">
      <span
        className="timeline-bar"
        style={{ marginLeft: `${(at / span) * 100}%`, width: `max(2px, ${(took / span) * 100}%)` }}
      />
    </td>
  );
}

export function RecordingTable({ format, text }: { format: 'query-log' | 'http-log'; text: string }) {
  const { rows } = parseLogLines(text);
  const columns = COLUMNS[format]!;
  const label = format === 'query-log' ? 'Statements' : 'Requests';
  if (rows.length === 0) return <p className="note">No {label.toLowerCase()} were recorded.</p>;
  const span = Math.max(0.001, ...rows.map((r) => (Number(r.t) || 0) + (Number(r.duration_ms) || 0) / 1000));
  return (
    <div className="table-wrap">
      <table className="log">
        <caption>{label}</caption>
        <thead>
          <tr>
            <th scope="col" className="timeline">
              <span className="sr-only">Timeline</span>
            </th>
            {columns.map(([name]) => (
              <th key={name} scope="col">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              <TimelineBar row={row} span={span} />
              {columns.map(([name, value]) => (
                <td key={name}>{cell(value(row))}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
