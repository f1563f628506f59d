/**
 * The discovery plugin interface: a plugin reports the resources it sees (a socket's name, type, upstream,
 * tags and where it was found); the reconciler turns them into sockets the connector declares.
 */
import type { Schema } from '@border0/sdk';

export type SocketType = Schema<'SocketType'>;
export type UpstreamInput = Schema<'UpstreamConfigurationInput'>;

/** The tag every discovered socket carries: which plugin found it. The reconciler owns those sockets. */
export const DISCOVERY_TAG = 'border0.discovery';

/** One resource a plugin found. */
export interface DiscoveredResource {
  /** The socket's name: a DNS label (lower case letters, digits and `-`, at most 63). */
  name: string;
  socketType: SocketType;
  upstream: UpstreamInput;
  tags?: Record<string, string> | undefined;
  /** Where the plugin found it, for people (e.g. `tcp://127.0.0.1:5432`). */
  source: string;
  description?: string | undefined;
}

/** A plugin: one kind of place resources are found in (a network, a Docker engine, a cloud account). */
export interface DiscoveryPlugin {
  /** Its key under `discovery:` in connector.yaml, e.g. `network`. */
  readonly name: string;
  /** How often it runs. */
  readonly intervalMs: number;
  /** Every resource the plugin sees now. Rejects when it cannot tell (then nothing of it is removed). */
  discover(signal: AbortSignal): Promise<DiscoveredResource[]>;
  /** An event stream, for plugins that have one: calls `onChange` so the connector runs the plugin now. */
  watch?(onChange: () => void): { close(): void };
}

/** A plugin's last run, as the connector reports it in its heartbeat. */
export type DiscoveryStatus = Schema<'ConnectorDiscoveryStatus'>;
