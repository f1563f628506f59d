/**
 * `apply`: carries out a plan in its order, each update and delete guarded by the ETag the plan read
 * (`If-Match`, and a read just before for changes made of several calls, like a group's members), so that a
 * resource someone changed since the plan is reported as a conflict and left as they made it. Stops at the
 * first failure: later changes may depend on it. Answers the new record of managed resources.
 */
import { Border0ConflictError, Border0PreconditionFailedError } from '../border0-error.js';
import type { Border0Client } from '../client.js';
import type { ResourcesDocument } from './document.js';
import {
  type DeclarativeState,
  type ManagedRecord,
  type Plan,
  type PlannedChange,
  type PlanOptions,
  plan,
  readWithEtag,
} from './plan.js';
import {
  collectionPath,
  createBody,
  type Item,
  idOfItem,
  itemPath,
  type LooseClient,
  loose,
  patchBody,
} from './resource-kinds.js';
import { resolveSecret, SECRET_FIELDS } from './secret-reference.js';

export interface ApplyOptions extends PlanOptions {
  /** Where secret references are resolved; default `process.env`. */
  env?: Record<string, string | undefined> | undefined;
}

export interface ApplyFailure {
  change: PlannedChange;
  /** The resource changed (or appeared) since the plan: nothing of it was overwritten. */
  conflict: boolean;
  message: string;
}

export interface ApplyResult {
  plan: Plan;
  applied: PlannedChange[];
  /** The change that failed, if one did; the changes after it were not tried. */
  failure?: ApplyFailure;
  notApplied: PlannedChange[];
  /** The record to keep for the next plan (`prune` needs it), with this organization's managed resources. */
  state: DeclarativeState;
}

/** Raised inside apply when a resource's ETag is no longer the plan's. */
class ChangedSincePlan extends Error {}

/**
 * Applies a plan, or plans a document and applies that.
 *
 * @example
 * const result = await apply(b0, await plan(b0, document, { state }), { state });
 * if (result.failure?.conflict) console.error(result.failure.message);
 * saveState(result.state);
 */
export async function apply(
  client: Border0Client,
  planOrDocument: Plan | ResourcesDocument,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const planned = isPlan(planOrDocument) ? planOrDocument : await plan(client, planOrDocument, options);
  const api = loose(client);
  const current = (await api.get('/api/v1/organizations/{organization}', {
    params: { path: { organization: 'current' } },
  })) as { id: string; name: string };
  if (current.id !== planned.organization.id) {
    throw new Error(
      `the plan was made for the organization ${planned.organization.name}, not ${current.name}: plan again`,
    );
  }
  const env = options.env ?? (typeof process === 'undefined' ? {} : process.env);
  checkSecrets(planned, env);
  const record: ManagedRecord = structuredClone(planned.managed);
  const keep = (change: { kind: PlannedChange['kind']; name: string }, id: string) => {
    record[change.kind] = { ...record[change.kind], [id]: change.name };
  };
  for (const item of planned.unchanged) keep(item, item.id);
  for (const change of planned.changes) if (change.action === 'update' && change.id) keep(change, change.id);

  const applied: PlannedChange[] = [];
  let failure: ApplyFailure | undefined;
  for (const change of planned.changes) {
    try {
      const id = await execute(api, change, env);
      if (change.action === 'delete') delete record[change.kind]?.[change.id!];
      else keep(change, id);
      applied.push(change);
    } catch (error) {
      const conflict =
        error instanceof ChangedSincePlan ||
        error instanceof Border0PreconditionFailedError ||
        error instanceof Border0ConflictError;
      const reason = error instanceof Error ? error.message : String(error);
      failure = {
        change,
        conflict,
        message: conflict
          ? `conflict: ${change.kind} ${change.name} changed since the plan (${reason}); it was not overwritten: plan again`
          : `${change.action} ${change.kind} ${change.name} failed: ${reason}`,
      };
      break;
    }
  }
  const state: DeclarativeState = {
    format: 'border0-state/1',
    organizations: { ...options.state?.organizations, [current.id]: record },
  };
  const notApplied = planned.changes.slice(applied.length + (failure ? 1 : 0));
  return { plan: planned, applied, ...(failure && { failure }), notApplied, state };
}

/** Every secret the plan sends is in `env`, before anything is changed: else an error naming the field. */
function checkSecrets(planned: Plan, env: Record<string, string | undefined>): void {
  for (const change of planned.changes) {
    const upstream = change.entry?.upstream_configuration as Record<string, unknown> | undefined;
    const sent =
      change.action === 'create' || change.diffs.some((d) => d.path.startsWith('upstream_configuration'));
    if (!upstream || !sent) continue;
    for (const field of SECRET_FIELDS) {
      const reference = upstream[field];
      if (typeof reference === 'string') {
        resolveSecret(reference, env, `${change.path ?? change.name}.upstream_configuration.${field}`);
      }
    }
  }
}

function isPlan(value: Plan | ResourcesDocument): value is Plan {
  return (value as Plan).format === 'border0-plan/1';
}

const ifMatch = (etag: string | undefined) => (etag ? { 'if-match': etag } : {});

/** One change; answers the resource's id. */
async function execute(
  api: LooseClient,
  change: PlannedChange,
  env: Record<string, string | undefined>,
): Promise<string> {
  const { kind, entry } = change;
  const path = change.path ?? change.name;
  if (change.action === 'create') {
    const body = await createBody(api, kind, entry!, env, path);
    const created = (await api.post(collectionPath(kind), { body })) as Item;
    const id = idOfItem(kind, created);
    if (kind === 'group') await changeMembers(api, id, [], (entry!.members as string[]) ?? []);
    return id;
  }
  const id = change.id!;
  // A change made of several calls is checked first; each single write carries If-Match too.
  const { etag } = await readWithEtag(api, kind, id);
  if (etag !== change.etag) throw new ChangedSincePlan(`its ETag is ${etag}, the plan read ${change.etag}`);
  if (change.action === 'delete') {
    await api.delete(itemPath(kind, id), { headers: ifMatch(change.etag) });
    return id;
  }
  const body = await patchBody(api, kind, entry!, change.diffs, env, path);
  if (body) await api.patch(itemPath(kind, id), { body, headers: ifMatch(change.etag) });
  const members = change.diffs.find((d) => d.path === 'members');
  if (kind === 'group' && members) {
    await changeMembers(api, id, (members.before as string[]) ?? [], members.after as string[]);
  }
  return id;
}

/** Makes a group's members `after`, from `before`, one member at a time. */
async function changeMembers(api: LooseClient, group: string, before: string[], after: string[]) {
  const lower = (list: string[]) => new Set(list.map((e) => e.toLowerCase()));
  const [old, wanted] = [lower(before), lower(after)];
  for (const email of old) {
    if (wanted.has(email)) continue;
    await api.delete(`${itemPath('group', group)}/members/${encodeURIComponent(email)}`);
  }
  for (const email of wanted) {
    if (!old.has(email)) await api.post(`${itemPath('group', group)}/members`, { body: { email } });
  }
}
