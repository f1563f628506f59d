/**
 * The `docker` discovery plugin: the running containers of a Docker Engine (its API over the unix socket, through
 * dockerode) that carry a `border0.socket.type` label become sockets. The engine's event stream (start, die,
 * destroy) makes the connector run the plugin at once; the interval is a resync for missed events.
 *
 * Labels on a container:
 * - `border0.socket.type`: http, ssh, database or tls (required)
 * - `border0.socket.port`: the port the service listens on in the container (default: the one port the container
 *   exposes, else 22 for ssh)
 * - `border0.socket.name`: the socket's name (default: the container's name)
 * - `border0.database.protocol`: postgres or mysql (database sockets)
 * - `border0.http.scheme`: http (default) or https (http sockets)
 * - `border0.socket.description`: the socket's description
 * - `border0.tag.KEY=VALUE`: tag KEY=VALUE on the socket (for policies)
 *
 * The upstream address: 127.0.0.1 for a container on the host's network; else the host side of a port the
 * container publishes; else the container's address on its first network that has one.
 *
 * @example
 * discovery:
 *   docker:
 *     socket: /var/run/docker.sock
 *     interval_seconds: 30
 *     upstream: { postgres: { authentication_type: username_and_password, username: app, password: "${from:env:PGPASSWORD}" } }
 */
import type Docker from 'dockerode';
import type { DiscoveredResource, DiscoveryPlugin } from './discovery-plugin.js';
import { labelledResource, portOf, prefixedTags, type UpstreamSettings } from './labelled-resource.js';

export interface DockerSettings {
  /** The engine's unix socket (default /var/run/docker.sock). */
  socket?: string | undefined;
  /** The resync interval (default 30 s); events trigger runs in between. */
  interval_seconds?: number | undefined;
  /** Upstream settings merged into what is found, e.g. credentials: `ssh`, `postgres`, `mysql`. */
  upstream?: UpstreamSettings | undefined;
}

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
export const LABEL = {
  type: 'border0.socket.type',
  port: 'border0.socket.port',
  name: 'border0.socket.name',
  description: 'border0.socket.description',
  databaseProtocol: 'border0.database.protocol',
  httpScheme: 'border0.http.scheme',
  tagPrefix: 'border0.tag.',
} as const;

/** The engine events after which the set of running, labelled containers may differ. */
const EVENTS = ['start', 'die', 'destroy'];

/** Reads the plugin's settings, naming the field that is wrong. */
export function parseDockerSettings(raw: unknown): DockerSettings {
  const settings = (raw ?? {}) as DockerSettings;
  if (settings.socket !== undefined && (typeof settings.socket !== 'string' || settings.socket === '')) {
    throw new Error('discovery.docker.socket: expected the path of the Docker Engine unix socket');
  }
  const interval = settings.interval_seconds;
  if (interval !== undefined && (typeof interval !== 'number' || !(interval > 0))) {
    throw new Error('discovery.docker.interval_seconds: expected a positive number');
  }
  return settings;
}

/** Where the proxy's connector reaches the container's `containerPort`, or undefined when it cannot. */
function address(
  container: Docker.ContainerInfo,
  containerPort: number,
): { hostname: string; port: number } | undefined {
  if (container.HostConfig?.NetworkMode === 'host') return { hostname: '127.0.0.1', port: containerPort };
  const published = (container.Ports ?? []).find(
    (p) => p.PrivatePort === containerPort && p.Type === 'tcp' && p.PublicPort,
  );
  if (published) {
    const unspecified = !published.IP || published.IP === '0.0.0.0' || published.IP === '::';
    return { hostname: unspecified ? '127.0.0.1' : published.IP, port: published.PublicPort };
  }
  const networks = Object.values(container.NetworkSettings?.Networks ?? {});
  const ip = networks.map((n) => n.IPAddress).find((a) => a);
  return ip ? { hostname: ip, port: containerPort } : undefined;
}

/** The socket of a labelled container, or undefined when its labels do not make one (left out, not guessed). */
export function resourceOfContainer(
  container: Docker.ContainerInfo,
  upstream: UpstreamSettings = {},
): DiscoveredResource | undefined {
  const labels = container.Labels ?? {};
  const type = labels[LABEL.type];
  const containerName = (container.Names?.[0] ?? container.Id.slice(0, 12)).replace(/^\//, '');
  const exposed = [
    ...new Set((container.Ports ?? []).filter((p) => p.Type === 'tcp').map((p) => p.PrivatePort)),
  ];
  const unlabelled = labels[LABEL.port] === undefined;
  const containerPort =
    portOf(labels[LABEL.port]) ??
    (unlabelled && exposed.length === 1 ? exposed[0] : undefined) ??
    (unlabelled && type === 'ssh' ? 22 : undefined);
  if (containerPort === undefined) return undefined;
  const at = address(container, containerPort);
  if (!at) return undefined;
  return labelledResource(
    {
      type,
      name: labels[LABEL.name] ?? containerName,
      ...at,
      databaseProtocol: labels[LABEL.databaseProtocol],
      httpScheme: labels[LABEL.httpScheme],
      description: labels[LABEL.description],
      tags: {
        'border0.discovery.container': containerName.slice(0, 255),
        'border0.discovery.image': (container.Image ?? '').slice(0, 255),
        ...prefixedTags(labels, LABEL.tagPrefix),
      },
      source: `docker://${containerName}`,
    },
    upstream,
  );
}

export class DockerPlugin implements DiscoveryPlugin {
  readonly name = 'docker';
  readonly intervalMs: number;
  readonly #settings: DockerSettings;
  #docker: Promise<Docker> | undefined;

  constructor(settings: DockerSettings) {
    this.#settings = settings;
    this.intervalMs = (settings.interval_seconds ?? 30) * 1000;
  }

  /** dockerode, loaded on first use: a connector without Docker discovery never loads it. */
  #engine(): Promise<Docker> {
    this.#docker ??= import('dockerode').then(
      ({ default: Dockerode }) =>
        new Dockerode({ socketPath: this.#settings.socket ?? DEFAULT_DOCKER_SOCKET }),
    );
    return this.#docker;
  }

  async discover(signal: AbortSignal): Promise<DiscoveredResource[]> {
    const docker = await this.#engine();
    const containers = await docker.listContainers({
      filters: { label: [LABEL.type], status: ['running'] },
      abortSignal: signal,
    });
    return containers
      .map((c) => resourceOfContainer(c, this.#settings.upstream))
      .filter((r): r is DiscoveredResource => r !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Follows the engine's container events; a burst (several containers starting together) makes one run. When
   * the stream breaks (the engine restarted), it reconnects after a second and runs once for what it missed.
   */
  watch(onChange: () => void): { close(): void } {
    let closed = false;
    let stream: NodeJS.ReadableStream | undefined;
    let burst: NodeJS.Timeout | undefined;
    let retry: NodeJS.Timeout | undefined;
    const changed = () => {
      clearTimeout(burst);
      burst = setTimeout(onChange, 100);
      burst.unref();
    };
    const follow = async (reconnecting: boolean) => {
      try {
        const docker = await this.#engine();
        const events = await docker.getEvents({
          filters: { type: ['container'], event: EVENTS, label: [LABEL.type] },
        });
        if (closed) return void (events as unknown as { destroy(): void }).destroy();
        stream = events;
        if (reconnecting) changed();
        events.on('data', changed);
        events.on('error', () => {});
        events.on('close', () => again());
        events.on('end', () => again());
      } catch {
        again();
      }
    };
    const again = () => {
      if (closed || retry) return;
      retry = setTimeout(() => {
        retry = undefined;
        void follow(true);
      }, 1000);
      retry.unref();
    };
    void follow(false);
    return {
      close() {
        closed = true;
        clearTimeout(burst);
        clearTimeout(retry);
        (stream as unknown as { destroy?(): void } | undefined)?.destroy?.();
      },
    };
  }
}
