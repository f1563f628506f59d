/**
 * Turns what the plugins report into sockets, through the SDK and the connector's own token: creates and
 * updates the sockets of the resources seen, deletes the discovered sockets whose resource is gone. It only
 * ever touches sockets this connector declared with a discovery tag (`border0.discovery=<plugin>`): sockets
 * an admin made, another connector's, and the static ones of connector.yaml are left as they are.
 */
import { parseSecretReference } from '@border0/protocol';
import type { Border0Client, Schema } from '@border0/sdk';
import { DISCOVERY_TAG, type DiscoveredResource } from './discovery-plugin.js';

/**
 * A socket the connector declared, with the secret references the control plane holds for it (from the
 * connector's configuration; absent when it is not served yet).
 */
export type OwnedSocket = Schema<'Socket'> & { secret_references?: string[] | undefined };

export type ChangeKind = 'create' | 'update' | 'delete' | 'skip';

export interface PlannedChange {
  kind: ChangeKind;
  name: string;
  plugin: string;
  /** create/update: the resource; delete: absent. */
  resource?: DiscoveredResource | undefined;
  /** update: what differs; skip: why. */
  detail?: string | undefined;
}

const SECRET_KEYS = new Set(['password', 'private_key']);

/** The fields of the wanted upstream (secrets aside) that the socket's current one does not have. */
function upstreamDifferences(wanted: Record<string, unknown>, current: Record<string, unknown>): string[] {
  return Object.keys(wanted).filter(
    (key) => !SECRET_KEYS.has(key) && JSON.stringify(wanted[key]) !== JSON.stringify(current[key]),
  );
}

/**
 * The secret fields whose wanted value the socket does not hold yet: a reference (`from:env:NAME` and the like) the
 * socket's references lack (else the connector would keep resolving the old one and refuse the new one), or
 * a value for a secret the socket has none of. A changed plain value cannot be told: the API never returns it.
 */
function secretDifferences(wanted: Record<string, unknown>, current: OwnedSocket): string[] {
  const upstream = current.upstream_configuration as Record<string, unknown>;
  return [...SECRET_KEYS].filter((key) => {
    const value = wanted[key];
    if (typeof value !== 'string') return false;
    if (upstream[`${key}_set`] === false) return true;
    const references = current.secret_references;
    return (
      parseSecretReference(value) !== undefined &&
      references !== undefined &&
      !references.includes(value.trim())
    );
  });
}

function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * What reconciling would change. `reported` maps each plugin that ran successfully to what it found (after
 * its filters); a plugin that failed is absent, so its sockets stay. `configured` names every plugin of the
 * configuration: discovered sockets of any other plugin (one removed from connector.yaml) are deleted.
 */
export function planChanges(
  owned: OwnedSocket[],
  reported: Map<string, DiscoveredResource[]>,
  configured: ReadonlySet<string>,
): PlannedChange[] {
  const byName = new Map(owned.map((s) => [s.name, s]));
  const changes: PlannedChange[] = [];
  const wanted = new Set<string>();
  for (const [plugin, resources] of reported) {
    for (const resource of resources) {
      if (wanted.has(resource.name)) {
        changes.push({ kind: 'skip', name: resource.name, plugin, resource, detail: 'name reported twice' });
        continue;
      }
      wanted.add(resource.name);
      const current = byName.get(resource.name);
      if (!current) {
        changes.push({ kind: 'create', name: resource.name, plugin, resource });
        continue;
      }
      const owner = current.tags[DISCOVERY_TAG];
      if (owner !== plugin) {
        const why = owner ? `discovered by ${owner}` : 'a static socket of connector.yaml';
        changes.push({ kind: 'skip', name: resource.name, plugin, resource, detail: why });
        continue;
      }
      if (current.socket_type !== resource.socketType) {
        // A socket's type cannot change: the old one goes, a new one comes.
        changes.push({ kind: 'delete', name: resource.name, plugin, detail: 'its type changed' });
        changes.push({ kind: 'create', name: resource.name, plugin, resource });
        continue;
      }
      const fields = [
        ...upstreamDifferences(
          resource.upstream as Record<string, unknown>,
          current.upstream_configuration as Record<string, unknown>,
        ).map((k) => `upstream_configuration.${k}`),
        ...secretDifferences(resource.upstream as Record<string, unknown>, current).map(
          (k) => `upstream_configuration.${k}`,
        ),
        !sameTags(resource.tags ?? {}, current.tags) && 'tags',
        (resource.description ?? null) !== current.description && 'description',
      ].filter((f): f is string => typeof f === 'string');
      if (fields.length > 0) {
        changes.push({ kind: 'update', name: resource.name, plugin, resource, detail: fields.join(', ') });
      }
    }
  }
  for (const socket of owned) {
    const plugin = socket.tags[DISCOVERY_TAG];
    if (!plugin || wanted.has(socket.name)) continue;
    // A plugin that failed this time keeps its sockets; one no longer configured loses them.
    if (reported.has(plugin) || !configured.has(plugin)) {
      changes.push({ kind: 'delete', name: socket.name, plugin });
    }
  }
  return changes;
}

/** The sockets the connector declared itself (static and discovered), with their secret references. */
export async function ownedSockets(client: Border0Client): Promise<OwnedSocket[]> {
  const [sockets, config] = await Promise.all([
    client.get('/api/v1/connector/sockets'),
    client.get('/api/v1/connector/config'),
  ]);
  const references = new Map(config.sockets.map((s) => [s.id, s.secret_references]));
  return sockets.map((socket) => ({ ...socket, secret_references: references.get(socket.id) }));
}

/** Applies planned changes in order; answers the ones that failed, with why, and carries on past them. */
export async function applyChanges(
  client: Border0Client,
  changes: PlannedChange[],
): Promise<{ change: PlannedChange; error: Error }[]> {
  const failed: { change: PlannedChange; error: Error }[] = [];
  for (const change of changes) {
    try {
      if (change.kind === 'delete') {
        await client.delete('/api/v1/connector/sockets/{name}', { params: { path: { name: change.name } } });
      } else if (change.resource && change.kind !== 'skip') {
        const r = change.resource;
        await client.put('/api/v1/connector/sockets/{name}', {
          params: { path: { name: r.name } },
          body: {
            socket_type: r.socketType,
            upstream_configuration: r.upstream,
            ...(r.tags && { tags: r.tags }),
            ...(r.description && { description: r.description }),
          },
        });
      }
    } catch (error) {
      failed.push({ change, error: error as Error });
    }
  }
  return failed;
}
