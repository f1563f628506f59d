/**
 * `plan`: what applying a resources document would create, change and delete, field by field, with the ETag
 * of each resource it would change as read now, so that `apply` changes nothing someone else changed since.
 *
 * Pruning deletes only what the document manages: resources whose id is in the record of what earlier applies
 * of it made or adopted in this organization (`DeclarativeState`), and that the document no longer names. A
 * resource an admin made by hand is never in that record, even under a name the file once used (the record
 * holds ids, not names), so `prune` never deletes it; without a record, `prune` deletes nothing.
 */
import type { Border0Client } from '../client.js';
import { diffEntry, type FieldDiff } from './diff.js';
import type { ResourcesDocument } from './document.js';
import {
  collectionPath,
  type Entry,
  entryOf,
  type Item,
  idOfItem,
  itemPath,
  KINDS,
  type Kind,
  keyOfEntry,
  keyOfItem,
  LIST_OF,
  type LooseClient,
  loose,
  type Names,
} from './resource-kinds.js';

/** The ids (with their names, for people) of the resources a document manages in one organization, by kind. */
export type ManagedRecord = Partial<Record<Kind, Record<string, string>>>;

/** What `apply` records between runs: the managed resources of each organization the document was applied to. */
export interface DeclarativeState {
  format: 'border0-state/1';
  organizations: Record<string, ManagedRecord>;
}

export interface PlannedChange {
  kind: Kind;
  action: 'create' | 'update' | 'delete';
  /** The resource's name (a member's email). */
  name: string;
  /** The path of the entry in the document: `sockets[1]`; none for a delete. */
  path?: string;
  /** The existing resource's id (updates and deletes). */
  id?: string;
  /** The ETag read while planning: an update or delete is sent with it as `If-Match`. */
  etag?: string;
  diffs: FieldDiff[];
  /** The entry as the document states it (secrets as references). */
  entry?: Entry;
}

export interface Plan {
  format: 'border0-plan/1';
  organization: { id: string; name: string };
  prune: boolean;
  /** Creates and updates in dependency order, then deletes in reverse order. */
  changes: PlannedChange[];
  /** The resources the document names that need no change. */
  unchanged: { kind: Kind; name: string; id: string }[];
  /** The record of managed resources the plan was made with. */
  managed: ManagedRecord;
}

export interface PlanOptions {
  /** Also delete the resources the document manages (see `DeclarativeState`) but no longer names. */
  prune?: boolean | undefined;
  /** The record of earlier applies; needed by `prune`. */
  state?: DeclarativeState | undefined;
}

export interface OrganizationSnapshot {
  organization: { id: string; name: string };
  items: Record<Kind, Item[]>;
  names: Names;
}

/** Every resource of the kinds a document manages, in the caller's organization. */
export async function readOrganization(client: Border0Client): Promise<OrganizationSnapshot> {
  const api = loose(client);
  const organization = (await api.get('/api/v1/organizations/{organization}', {
    params: { path: { organization: 'current' } },
  })) as { id: string; name: string };
  const items = {} as Record<Kind, Item[]>;
  for (const kind of KINDS) {
    items[kind] = [];
    for await (const item of api.paginate(collectionPath(kind), { params: { query: { limit: 200 } } })) {
      items[kind].push(item as Item);
    }
  }
  const byId = (kind: Kind) => new Map(items[kind].map((i) => [String(i.id), String(i.name)]));
  return {
    organization: { id: organization.id, name: organization.name },
    items,
    names: { connectors: byId('connector'), sockets: byId('socket'), groups: byId('group') },
  };
}

/** The item and its ETag, read now. */
export async function readWithEtag(
  api: LooseClient,
  kind: Kind,
  id: string,
): Promise<{ item: Item; etag: string }> {
  const { data, response } = await api.raw.GET(itemPath(kind, id));
  const etag = response.headers.get('etag');
  if (!etag) throw new Error(`GET ${itemPath(kind, id)} answered no ETag`);
  return { item: data as Item, etag };
}

/**
 * What applying `document` would do in the caller's organization.
 *
 * @example
 * const changes = await plan(b0, parseDocument(YAML.parse(text)), { prune: true, state });
 * for (const change of changes.changes) console.log(change.action, change.kind, change.name);
 */
export async function plan(
  client: Border0Client,
  document: ResourcesDocument,
  options: PlanOptions = {},
): Promise<Plan> {
  const api = loose(client);
  const snapshot = await readOrganization(client);
  const managed = options.state?.organizations[snapshot.organization.id] ?? {};
  const changes: PlannedChange[] = [];
  const unchanged: Plan['unchanged'] = [];
  const deletes: PlannedChange[] = [];
  for (const kind of KINDS) {
    const list = LIST_OF[kind];
    const entries = ((document[list] ?? []) as Entry[]).map((entry) => ({ ...entry }));
    const existing = new Map(snapshot.items[kind].map((item) => [keyOfItem(kind, item), item]));
    for (const [index, entry] of entries.entries()) {
      const name = keyOfEntry(kind, entry);
      const path = `${list}[${index}]`;
      const item = existing.get(name);
      if (!item) {
        changes.push({ kind, action: 'create', name, path, diffs: diffEntry(entry, {}), entry });
        continue;
      }
      const id = idOfItem(kind, item);
      // A member is found by email whatever its case; the address as stored is no change.
      if (kind === 'member') entry.email = item.email;
      if (diffEntry(entry, entryOf(kind, item, snapshot.names)).length === 0) {
        unchanged.push({ kind, name, id });
        continue;
      }
      // Read again for the ETag, and compare with what that read answered.
      const current = await readWithEtag(api, kind, id);
      const diffs = diffEntry(entry, entryOf(kind, current.item, snapshot.names));
      if (diffs.length === 0) unchanged.push({ kind, name, id });
      else changes.push({ kind, action: 'update', name, path, id, etag: current.etag, diffs, entry });
    }
    if (!options.prune) continue;
    const named = new Set(entries.map((entry) => keyOfEntry(kind, entry)));
    const ours = managed[kind] ?? {};
    for (const item of snapshot.items[kind]) {
      const id = idOfItem(kind, item);
      const name = keyOfItem(kind, item);
      if (!(id in ours) || named.has(name)) continue;
      const { etag } = await readWithEtag(api, kind, id);
      const before = entryOf(kind, item, snapshot.names);
      deletes.unshift({
        kind,
        action: 'delete',
        name,
        id,
        etag,
        diffs: Object.entries(before).map(([field, value]) => ({
          path: field,
          before: value,
          after: undefined,
        })),
      });
    }
  }
  return {
    format: 'border0-plan/1',
    organization: snapshot.organization,
    prune: options.prune === true,
    changes: [...changes, ...deletes],
    unchanged,
    managed,
  };
}
