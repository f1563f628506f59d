/**
 * The `kubernetes` discovery plugin: services and running pods with a `border0.com/socket-type` annotation
 * become sockets, read through @kubernetes/client-node (page by page, `limit` and `continue`), in every
 * namespace or the configured ones. Authentication: a kubeconfig (the file given, else `KUBECONFIG` or
 * ~/.kube/config, with its current context or the one given), or the pod's service account (`in_cluster`).
 * The API's watch on pods and services makes the connector run the plugin at once; the interval is a resync.
 *
 * Annotations:
 * - `border0.com/socket-type`: http, ssh, database or tls (required)
 * - `border0.com/socket-port`: the service's port, or the pod's (default: the one port it has; 22 for ssh)
 * - `border0.com/socket-name`: the socket's name (default: `<name>-<namespace>`)
 * - `border0.com/database-protocol`: postgres or mysql (database sockets)
 * - `border0.com/http-scheme`: http (default) or https
 * - `border0.com/socket-description`: the socket's description
 * - `border0.com/tag.KEY`: tag KEY on the socket
 *
 * A service is reached at its cluster IP (headless services are left out), a pod at its pod IP: the connector
 * must run where those are routable (in the cluster, typically).
 *
 * @example
 * discovery:
 *   kubernetes:
 *     kubeconfig: /etc/border0/kubeconfig
 *     namespaces: [shop, billing]
 */
import type { CoreV1Api, KubeConfig, V1ListMeta, V1Pod, V1Service, Watch } from '@kubernetes/client-node';
import type { DiscoveredResource, DiscoveryPlugin } from './discovery-plugin.js';
import { labelledResource, portOf, prefixedTags, type UpstreamSettings } from './labelled-resource.js';

export interface KubernetesSettings {
  /** A kubeconfig file (default: `KUBECONFIG`, else ~/.kube/config). */
  kubeconfig?: string | undefined;
  /** The kubeconfig context (default: its current context). */
  context?: string | undefined;
  /** Authenticate as the pod's service account (the connector runs in the cluster). */
  in_cluster?: boolean | undefined;
  /** The namespaces to look in (default: all). */
  namespaces?: string[] | undefined;
  /** Items per list request (default 100). */
  page_size?: number | undefined;
  interval_seconds?: number | undefined;
  upstream?: UpstreamSettings | undefined;
}

export const ANNOTATION = {
  type: 'border0.com/socket-type',
  port: 'border0.com/socket-port',
  name: 'border0.com/socket-name',
  description: 'border0.com/socket-description',
  databaseProtocol: 'border0.com/database-protocol',
  httpScheme: 'border0.com/http-scheme',
  tagPrefix: 'border0.com/tag.',
} as const;

/** After a failed watch, how long until the next try (doubling up to the longest). */
const WATCH_RETRY_MS = 1000;
const WATCH_RETRY_MAX_MS = 30_000;

/** More pages than this in one list is a loop (a server that keeps answering a `continue`), refused. */
const MAX_PAGES = 1000;

export function parseKubernetesSettings(raw: unknown): KubernetesSettings {
  const settings = (raw ?? {}) as KubernetesSettings;
  for (const key of ['kubeconfig', 'context'] as const) {
    if (settings[key] !== undefined && (typeof settings[key] !== 'string' || settings[key] === '')) {
      throw new Error(`discovery.kubernetes.${key}: expected a string`);
    }
  }
  if (settings.in_cluster !== undefined && typeof settings.in_cluster !== 'boolean') {
    throw new Error('discovery.kubernetes.in_cluster: expected true or false');
  }
  if (settings.in_cluster && settings.kubeconfig) {
    throw new Error('discovery.kubernetes.in_cluster: give either in_cluster or kubeconfig, not both');
  }
  const namespaces = settings.namespaces;
  if (
    namespaces !== undefined &&
    (!Array.isArray(namespaces) ||
      namespaces.some((n) => typeof n !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n)))
  ) {
    throw new Error('discovery.kubernetes.namespaces: expected a list of namespace names');
  }
  const pageSize = settings.page_size;
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 5000)) {
    throw new Error('discovery.kubernetes.page_size: expected a whole number from 1 to 5000');
  }
  const interval = settings.interval_seconds;
  if (interval !== undefined && (typeof interval !== 'number' || !(interval > 0))) {
    throw new Error('discovery.kubernetes.interval_seconds: expected a positive number');
  }
  return settings;
}

/** The socket of an annotated service, or undefined when its annotations do not make one. */
export function resourceOfService(
  service: V1Service,
  upstream?: UpstreamSettings,
): DiscoveredResource | undefined {
  const meta = service.metadata ?? {};
  const annotations = meta.annotations ?? {};
  const clusterIp = service.spec?.clusterIP;
  if (!annotations[ANNOTATION.type] || !clusterIp || clusterIp === 'None') return undefined;
  const ports = (service.spec?.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => p.port);
  const port = chosenPort(annotations, ports);
  if (port === undefined || (annotations[ANNOTATION.port] !== undefined && !ports.includes(port)))
    return undefined;
  return annotated('service', meta, annotations, clusterIp, port, upstream);
}

/** The socket of an annotated running pod, or undefined when its annotations do not make one. */
export function resourceOfPod(pod: V1Pod, upstream?: UpstreamSettings): DiscoveredResource | undefined {
  const meta = pod.metadata ?? {};
  const annotations = meta.annotations ?? {};
  const podIp = pod.status?.podIP;
  if (!annotations[ANNOTATION.type] || pod.status?.phase !== 'Running' || !podIp) return undefined;
  const ports = (pod.spec?.containers ?? [])
    .flatMap((c) => c.ports ?? [])
    .filter((p) => (p.protocol ?? 'TCP') === 'TCP')
    .map((p) => p.containerPort);
  const port = chosenPort(annotations, ports);
  if (port === undefined) return undefined;
  return annotated('pod', meta, annotations, podIp, port, upstream);
}

function chosenPort(annotations: Record<string, string>, ports: number[]): number | undefined {
  const given = annotations[ANNOTATION.port];
  if (given !== undefined) return portOf(given);
  const distinct = [...new Set(ports)];
  if (distinct.length === 1) return distinct[0];
  return annotations[ANNOTATION.type] === 'ssh' && distinct.length === 0 ? 22 : undefined;
}

function annotated(
  kind: 'pod' | 'service',
  meta: { name?: string | undefined; namespace?: string | undefined },
  annotations: Record<string, string>,
  hostname: string,
  port: number,
  upstream: UpstreamSettings | undefined,
): DiscoveredResource | undefined {
  const name = meta.name ?? '';
  const namespace = meta.namespace ?? 'default';
  return labelledResource(
    {
      type: annotations[ANNOTATION.type],
      name: annotations[ANNOTATION.name] ?? `${name}-${namespace}`,
      hostname,
      port,
      databaseProtocol: annotations[ANNOTATION.databaseProtocol],
      httpScheme: annotations[ANNOTATION.httpScheme],
      description: annotations[ANNOTATION.description],
      tags: {
        'border0.discovery.kind': kind,
        'border0.discovery.namespace': namespace,
        'border0.discovery.name': name.slice(0, 255),
        ...prefixedTags(annotations, ANNOTATION.tagPrefix),
      },
      source: `kubernetes://${namespace}/${kind === 'pod' ? 'pods' : 'services'}/${name}`,
    },
    upstream,
  );
}

/** The Kubernetes Status object of an API error, said in one line. */
function apiError(error: unknown, what: string): Error {
  const { code, body } = error as { code?: number; body?: unknown };
  if (typeof code !== 'number') return error as Error;
  let status: { message?: string; reason?: string } | undefined;
  try {
    status = (typeof body === 'string' ? JSON.parse(body) : body) as typeof status;
  } catch {
    status = undefined;
  }
  const reason = status?.reason ? ` ${status.reason}` : '';
  return new Error(`kubernetes: listing ${what}: ${code}${reason}: ${status?.message ?? 'no message'}`);
}

export class KubernetesPlugin implements DiscoveryPlugin {
  readonly name = 'kubernetes';
  readonly intervalMs: number;
  readonly #settings: KubernetesSettings;
  readonly #clusterPathPrefix: string | undefined;
  #api: Promise<{ api: CoreV1Api; config: KubeConfig; Watch: typeof Watch }> | undefined;

  /** `clusterPathPrefix`: where the service account's files are, under another root (tests). */
  constructor(settings: KubernetesSettings, options: { clusterPathPrefix?: string } = {}) {
    this.#settings = settings;
    this.#clusterPathPrefix = options.clusterPathPrefix;
    this.intervalMs = (settings.interval_seconds ?? 30) * 1000;
  }

  /** The client, made on first use (a connector without Kubernetes discovery never loads the library). */
  #client(): Promise<{ api: CoreV1Api; config: KubeConfig; Watch: typeof Watch }> {
    this.#api ??= import('@kubernetes/client-node').then((k8s) => {
      const config: KubeConfig = new k8s.KubeConfig();
      if (this.#settings.in_cluster) config.loadFromCluster(this.#clusterPathPrefix);
      else if (this.#settings.kubeconfig) config.loadFromFile(this.#settings.kubeconfig);
      else config.loadFromDefault();
      if (this.#settings.context) config.setCurrentContext(this.#settings.context);
      return { api: config.makeApiClient(k8s.CoreV1Api), config, Watch: k8s.Watch };
    });
    // A configuration that cannot be read is tried again on the next run.
    this.#api.catch(() => (this.#api = undefined));
    return this.#api;
  }

  /** Every item of a list, page by page. */
  async #all<T>(
    what: string,
    page: (token: string | undefined) => Promise<{ items: T[]; metadata?: V1ListMeta | undefined }>,
    signal: AbortSignal,
  ): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    for (let pages = 0; ; pages++) {
      if (signal.aborted) throw new Error('discovery stopped');
      if (pages === MAX_PAGES) throw new Error(`kubernetes: listing ${what}: more than ${MAX_PAGES} pages`);
      const list = await page(token).catch((error) => {
        throw apiError(error, what);
      });
      items.push(...list.items);
      token = list.metadata?._continue || undefined;
      if (!token) return items;
    }
  }

  async discover(signal: AbortSignal): Promise<DiscoveredResource[]> {
    const { api } = await this.#client();
    const limit = this.#settings.page_size ?? 100;
    const upstream = this.#settings.upstream;
    const namespaces = this.#settings.namespaces;
    const found: DiscoveredResource[] = [];
    for (const namespace of namespaces ?? [undefined]) {
      const where = namespace ? `in namespace ${namespace}` : 'in all namespaces';
      const services = await this.#all(
        `services ${where}`,
        (_continue) =>
          namespace
            ? api.listNamespacedService({ namespace, limit, _continue })
            : api.listServiceForAllNamespaces({ limit, _continue }),
        signal,
      );
      const pods = await this.#all(
        `pods ${where}`,
        (_continue) =>
          namespace
            ? api.listNamespacedPod({ namespace, limit, _continue })
            : api.listPodForAllNamespaces({ limit, _continue }),
        signal,
      );
      for (const service of services) {
        const resource = resourceOfService(service, upstream);
        if (resource) found.push(resource);
      }
      for (const pod of pods) {
        const resource = resourceOfPod(pod, upstream);
        if (resource) found.push(resource);
      }
    }
    return found.sort((a, b) => a.name.localeCompare(b.name));
  }
  /**
   * Follows the pods and services of each namespace (or of all) with the API's watch, from the resource
   * version of a list: an event about an annotated object (or one that was) makes the connector run the
   * plugin, a burst making one run. A watch the server ends goes on from the last version seen (bookmarks
   * included); one whose version is too old (410 Gone, as an ERROR event or a status) lists again and runs
   * once for what it missed; other failures are tried again after a second, then longer.
   */
  watch(onChange: () => void): { close(): void } {
    let closed = false;
    let burst: NodeJS.Timeout | undefined;
    const timers = new Set<NodeJS.Timeout>();
    const controllers = new Set<AbortController>();
    const changed = () => {
      clearTimeout(burst);
      burst = setTimeout(onChange, 200);
      burst.unref();
    };
    const later = (work: () => void, ms: number) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        work();
      }, ms);
      timer.unref();
      timers.add(timer);
    };
    const follow = (namespace: string | undefined, kind: 'pods' | 'services') => {
      const path = namespace ? `/api/v1/namespaces/${namespace}/${kind}` : `/api/v1/${kind}`;
      const annotated = new Set<string>();
      let resourceVersion: string | undefined;
      let missed = false;
      let delay = WATCH_RETRY_MS;
      const failed = () => {
        later(run, delay);
        delay = Math.min(delay * 2, WATCH_RETRY_MAX_MS);
      };
      const run = async (): Promise<void> => {
        if (closed) return;
        try {
          const { api, config, Watch } = await this.#client();
          if (resourceVersion === undefined) {
            // One item is enough: the list's own resource version is where the watch starts.
            const list = await (kind === 'pods'
              ? namespace
                ? api.listNamespacedPod({ namespace, limit: 1 })
                : api.listPodForAllNamespaces({ limit: 1 })
              : namespace
                ? api.listNamespacedService({ namespace, limit: 1 })
                : api.listServiceForAllNamespaces({ limit: 1 }));
            resourceVersion = list.metadata?.resourceVersion;
            if (missed) changed();
            missed = false;
          }
          let expired = false;
          let controller: AbortController | undefined;
          const done = (error: unknown) => {
            if (controller) controllers.delete(controller);
            if (closed) return;
            if (expired || (error as { statusCode?: number } | null)?.statusCode === 410) {
              resourceVersion = undefined;
              missed = true;
              later(run, 0);
            } else if (error) failed();
            else later(run, 100);
          };
          const onEvent = (type: string, object: Record<string, unknown> | undefined) => {
            if (type === 'ERROR') {
              if ((object as { code?: number } | undefined)?.code === 410) expired = true;
              return;
            }
            const meta = (object?.metadata ?? {}) as {
              name?: string;
              namespace?: string;
              resourceVersion?: string;
              annotations?: Record<string, string>;
            };
            if (meta.resourceVersion) resourceVersion = meta.resourceVersion;
            if (type === 'BOOKMARK') return;
            delay = WATCH_RETRY_MS;
            const key = `${meta.namespace}/${meta.name}`;
            // An object is annotated now (a deleted one as it was last), or lost its annotation since.
            const has = Boolean(meta.annotations?.[ANNOTATION.type]);
            if (has || annotated.has(key)) changed();
            if (has && type !== 'DELETED') annotated.add(key);
            else annotated.delete(key);
          };
          controller = await new Watch(config).watch(
            path,
            { resourceVersion, allowWatchBookmarks: true },
            onEvent,
            done,
          );
          if (closed) controller.abort();
          else if (!controller.signal.aborted) controllers.add(controller);
        } catch {
          failed();
        }
      };
      void run();
    };
    for (const namespace of this.#settings.namespaces ?? [undefined]) {
      follow(namespace, 'services');
      follow(namespace, 'pods');
    }
    return {
      close() {
        closed = true;
        clearTimeout(burst);
        for (const timer of timers) clearTimeout(timer);
        for (const controller of controllers) controller.abort();
      },
    };
  }
}
