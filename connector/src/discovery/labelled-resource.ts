/**
 * A socket from a resource's own labels (Docker labels, Kubernetes annotations, cloud tags): the type, port,
 * name and protocol they give, the address the plugin found, and the plugin's configured upstream settings.
 * Shared so that every label-driven plugin makes sockets the same way.
 */
import type { DiscoveredResource, SocketType, UpstreamInput } from './discovery-plugin.js';
import { socketName } from './resource-filter.js';

/** Upstream settings merged into what is found, by kind (e.g. credentials, or `${from:env:NAME}` references). */
export type UpstreamSettings = Partial<Record<'ssh' | 'postgres' | 'mysql', Record<string, unknown>>>;

export const SOCKET_TYPES: readonly string[] = ['http', 'ssh', 'database', 'tls'] satisfies SocketType[];

export interface LabelledService {
  /** The type label as written: http, ssh, database or tls; anything else makes no socket. */
  type: string | undefined;
  /** The name label, else the plugin's default name (made a DNS label here). */
  name: string;
  hostname: string;
  port: number;
  /** postgres or mysql: required for database sockets. */
  databaseProtocol?: string | undefined;
  /** https for an HTTPS upstream; http otherwise. */
  httpScheme?: string | undefined;
  description?: string | undefined;
  tags: Record<string, string>;
  source: string;
}

/** A port number from label text, or undefined when it is not one. */
export function portOf(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,5}$/.test(text.trim())) return undefined;
  const value = Number(text);
  return value >= 1 && value <= 65535 ? value : undefined;
}

/** Tags from the labels that start with `prefix` (the rest of the key is the tag's name). */
export function prefixedTags(labels: Record<string, string>, prefix: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    const tag = key.startsWith(prefix) ? key.slice(prefix.length) : '';
    if (tag) tags[tag] = String(value).slice(0, 255);
  }
  return tags;
}

/** The socket of a labelled service, or undefined when its labels do not make one (left out, not guessed). */
export function labelledResource(
  service: LabelledService,
  upstream: UpstreamSettings = {},
): DiscoveredResource | undefined {
  const type = service.type?.trim().toLowerCase();
  if (!type || !SOCKET_TYPES.includes(type)) return undefined;
  const at = { hostname: service.hostname, port: service.port };
  let configuration: Record<string, unknown>;
  switch (type) {
    case 'http':
      configuration = { type: 'http', scheme: service.httpScheme === 'https' ? 'https' : 'http', ...at };
      break;
    case 'ssh':
      configuration = {
        type: 'ssh',
        ...at,
        authentication_type: 'border0_certificate',
        username_provider: 'prompt_client',
        ...upstream.ssh,
      };
      break;
    case 'database': {
      const protocol = service.databaseProtocol?.trim().toLowerCase();
      if (protocol !== 'postgres' && protocol !== 'mysql') return undefined;
      configuration = {
        type: 'database',
        protocol,
        ...at,
        authentication_type: 'no_auth',
        ...upstream[protocol],
      };
      break;
    }
    default:
      configuration = { type: 'tls', ...at };
  }
  const description = service.description?.slice(0, 2000);
  return {
    name: socketName(service.name),
    socketType: type as SocketType,
    upstream: configuration as UpstreamInput,
    tags: service.tags,
    source: service.source,
    ...(description && { description }),
  };
}
