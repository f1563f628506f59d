/**
 * The six kinds of resource a document manages, each as the API names it: where its collection is, how an
 * entry is identified, how an API item reads as a document entry (what `export` writes and `plan` compares),
 * and which create and update bodies an entry makes. Kinds are listed in the order that applies them:
 * what others name comes first (connectors before the sockets that name them, sockets before policies).
 */
import type { Border0Client } from '../client.js';
import type { components } from '../generated/api.js';
import type { FieldDiff } from './diff.js';
import type { ResourcesDocument } from './document.js';
import { resolveSecret, SECRET_FIELDS, secretReference, secretVariable } from './secret-reference.js';

type S = components['schemas'];
export type Kind = 'connector' | 'service_account' | 'member' | 'group' | 'socket' | 'policy';
export type Entry = Record<string, unknown>;

/** Kinds in the order creates and updates run; deletes run in reverse. */
export const KINDS: readonly Kind[] = ['connector', 'service_account', 'member', 'group', 'socket', 'policy'];

/** The document's list of each kind. */
export const LIST_OF: Record<Kind, keyof ResourcesDocument> = {
  connector: 'connectors',
  service_account: 'service_accounts',
  member: 'members',
  group: 'groups',
  socket: 'sockets',
  policy: 'policies',
};

const COLLECTION: Record<Kind, string> = {
  connector: '/api/v1/connectors',
  service_account: '/api/v1/service-accounts',
  member: '/api/v1/members',
  group: '/api/v1/groups',
  socket: '/api/v1/sockets',
  policy: '/api/v1/policies',
};

/** Names of resources by id, to read the API's id lists as the file's name lists. */
export interface Names {
  connectors: Map<string, string>;
  sockets: Map<string, string>;
  groups: Map<string, string>;
}

/** An API item, loosely: each kind reads its own fields. */
export type Item = Record<string, unknown>;

/** The client without the path typing: the kinds address their paths by name. */
export interface LooseClient {
  get(path: string, init?: object): Promise<unknown>;
  post(path: string, init?: object): Promise<unknown>;
  patch(path: string, init?: object): Promise<unknown>;
  delete(path: string, init?: object): Promise<unknown>;
  paginate(path: string, init?: object): AsyncGenerator<unknown>;
  raw: { GET(path: string, init?: object): Promise<{ data?: unknown; response: Response }> };
}
export const loose = (client: Border0Client) => client as unknown as LooseClient;

/** The collection path of a kind, and the path of one item (by id, or by name or email: the API takes both). */
export const collectionPath = (kind: Kind) => COLLECTION[kind];
export const itemPath = (kind: Kind, ref: string) => `${COLLECTION[kind]}/${encodeURIComponent(ref)}`;

/** How an entry is identified: its name, a member's email (in lower case). */
export const keyOfEntry = (kind: Kind, entry: Entry) =>
  kind === 'member' ? String(entry.email).toLowerCase() : String(entry.name);
export const keyOfItem = (kind: Kind, item: Item) =>
  kind === 'member' ? String(item.email).toLowerCase() : String(item.name);
export const idOfItem = (kind: Kind, item: Item) => String(kind === 'member' ? item.user_id : item.id);

/** Leaves out what says nothing: null, undefined, empty lists and maps (for `export`, not for comparing). */
export function compact(entry: Entry): Entry {
  return Object.fromEntries(
    Object.entries(entry).filter(
      ([, v]) =>
        v !== null &&
        v !== undefined &&
        !(Array.isArray(v) && v.length === 0) &&
        !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0),
    ),
  );
}

const namesOf = (ids: string[], names: Map<string, string>) => ids.map((id) => names.get(id) ?? id).sort();

/** The upstream as a document states it: read-only fields out, each stored secret as a reference. */
function upstreamEntry(socket: string, upstream: Item): Entry {
  const { password_set, private_key_set, host_key: _hostKey, ...rest } = upstream;
  const stored = { password: password_set, private_key: private_key_set };
  const secrets = Object.fromEntries(
    SECRET_FIELDS.filter((field) => stored[field] === true).map((field) => [
      field,
      secretReference(secretVariable(socket, field)),
    ]),
  );
  return { ...rest, ...secrets };
}

/** The resource as a document entry: what `export` writes, and what `plan` compares the file with. */
export function entryOf(kind: Kind, item: Item, names: Names): Entry {
  switch (kind) {
    case 'connector': {
      const c = item as unknown as S['Connector'];
      return { name: c.name, description: c.description };
    }
    case 'service_account': {
      const a = item as unknown as S['ServiceAccount'];
      return { name: a.name, description: a.description, role: a.role };
    }
    case 'member': {
      const m = item as unknown as S['Member'];
      return { email: m.email, role: m.role };
    }
    case 'group': {
      const g = item as unknown as S['Group'];
      return {
        name: g.name,
        description: g.description,
        members: g.members.map((m) => m.email).sort(),
      };
    }
    case 'socket': {
      const s = item as unknown as S['Socket'];
      return {
        name: s.name,
        display_name: s.display_name,
        description: s.description,
        socket_type: s.socket_type,
        tags: s.tags,
        recording_enabled: s.recording_enabled,
        recording_input_enabled: s.recording_input_enabled,
        connectors: namesOf(s.connector_ids, names.connectors),
        upstream_configuration: upstreamEntry(s.name, s.upstream_configuration as unknown as Item),
      };
    }
    case 'policy': {
      const p = item as unknown as S['Policy'];
      return {
        name: p.name,
        description: p.description,
        document: withGroups(p.document as unknown as Entry, (id) => names.groups.get(id) ?? id),
        version: p.version,
        org_wide: p.org_wide,
        tag_rules: p.tag_rules,
        sockets: namesOf(p.socket_ids, names.sockets),
      };
    }
  }
}

/**
 * A policy document's `condition.who.group` names groups by id in the API and by name in a file (ids differ
 * between organizations): the document with each group mapped.
 */
async function withGroupsAsync(document: Entry, map: (group: string) => Promise<string>): Promise<Entry> {
  const groups = groupsOf(document);
  if (!groups) return document;
  return withGroups(
    document,
    new Map(await Promise.all(groups.map(async (g) => [g, await map(g)] as const))),
  );
}

function groupsOf(document: Entry): string[] | undefined {
  const who = (document.condition as Entry | undefined)?.who as Entry | undefined;
  return Array.isArray(who?.group) ? (who.group as string[]) : undefined;
}

function withGroups(document: Entry, map: Map<string, string> | ((group: string) => string)): Entry {
  const groups = groupsOf(document);
  if (!groups) return document;
  const lookup = typeof map === 'function' ? map : (g: string) => map.get(g) ?? g;
  const condition = document.condition as Entry;
  return {
    ...document,
    condition: { ...condition, who: { ...(condition.who as Entry), group: groups.map(lookup) } },
  };
}

/** What an entry sends to the API: secrets resolved from `env`, connector names as ids. */
async function bodyOf(
  client: LooseClient,
  kind: Kind,
  entry: Entry,
  env: Record<string, string | undefined>,
  path: string,
): Promise<Entry> {
  const { members: _members, connectors, ...body } = entry;
  if (kind === 'group') return body;
  if (kind === 'policy' && entry.document) {
    const idOf = async (group: string) => String(((await client.get(itemPath('group', group))) as Item).id);
    return { ...entry, document: await withGroupsAsync(entry.document as Entry, idOf) };
  }
  if (kind !== 'socket') return entry;
  const result: Entry = { ...body };
  if (body.upstream_configuration) {
    const upstream = { ...(body.upstream_configuration as Entry) };
    for (const field of SECRET_FIELDS) {
      const reference = upstream[field];
      if (typeof reference === 'string') {
        upstream[field] = resolveSecret(reference, env, `${path}.upstream_configuration.${field}`);
      }
    }
    result.upstream_configuration = upstream;
  }
  if (Array.isArray(connectors)) {
    result.connector_ids = await Promise.all(
      connectors.map(async (name) => ((await client.get(itemPath('connector', String(name)))) as Item).id),
    );
  }
  return result;
}

export function createBody(
  client: LooseClient,
  kind: Kind,
  entry: Entry,
  env: Record<string, string | undefined>,
  path: string,
): Promise<Entry> {
  return bodyOf(client, kind, entry, env, path);
}

/**
 * The PATCH body of an update: the top-level fields that differ, each whole as the file states it (an
 * upstream is sent whole; a secret it leaves out keeps the stored one). A group's members are not in it:
 * they change one by one. Undefined when only those differ.
 */
export async function patchBody(
  client: LooseClient,
  kind: Kind,
  entry: Entry,
  diffs: FieldDiff[],
  env: Record<string, string | undefined>,
  path: string,
): Promise<Entry | undefined> {
  const fields = new Set(diffs.map((d) => d.path.split('.')[0]!));
  fields.delete('members');
  if (kind === 'member') fields.delete('email');
  if (fields.size === 0) return undefined;
  const subset = Object.fromEntries(Object.entries(entry).filter(([key]) => fields.has(key)));
  return bodyOf(client, kind, subset, env, path);
}
