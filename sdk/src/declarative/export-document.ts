/**
 * `exportDocument`: the caller's organization as a resources document, which `apply` makes again elsewhere.
 * Stored secrets are written as references (`${from:env:WEB_PASSWORD}`), never as values: the API never
 * answers them, and the document is meant to be kept in version control.
 */
import type { Border0Client } from '../client.js';
import type { ResourcesDocument } from './document.js';
import { readOrganization } from './plan.js';
import { compact, entryOf, KINDS, LIST_OF } from './resource-kinds.js';

/**
 * @example
 * writeFileSync('resources.yaml', YAML.stringify(await exportDocument(b0)));
 */
export async function exportDocument(client: Border0Client): Promise<ResourcesDocument> {
  const snapshot = await readOrganization(client);
  const document: Record<string, unknown[]> = {};
  for (const kind of KINDS) {
    const entries = snapshot.items[kind].map((item) => compact(entryOf(kind, item, snapshot.names)));
    if (entries.length > 0) document[LIST_OF[kind]] = entries;
  }
  return document as ResourcesDocument;
}

/** The environment variables that a document's secret references name: what `apply` needs to be given. */
export function secretVariables(document: ResourcesDocument): string[] {
  const names = new Set<string>();
  for (const socket of document.sockets ?? []) {
    for (const value of Object.values(socket.upstream_configuration)) {
      const match = typeof value === 'string' ? /^\$\{from:env:(\w+)\}$/.exec(value) : null;
      if (match) names.add(match[1]!);
    }
  }
  return [...names].sort();
}
