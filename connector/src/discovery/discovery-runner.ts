/**
 * Runs the discovery plugins: each on its interval (and on its event stream, if it has one), one run at a
 * time, reconciling after every run; keeps each plugin's last run for the connector's heartbeat.
 */
import type { Border0Client } from '@border0/sdk';
import type { Logger } from 'pino';
import type { DiscoveredResource, DiscoveryPlugin, DiscoveryStatus } from './discovery-plugin.js';
import { applySettings, type CommonSettings } from './resource-filter.js';
import { applyChanges, ownedSockets, type PlannedChange, planChanges } from './socket-reconciler.js';

export interface ConfiguredPlugin {
  plugin: DiscoveryPlugin;
  settings: CommonSettings;
}

export interface DiscoveryRunnerOptions {
  client: Border0Client;
  plugins: ConfiguredPlugin[];
  log: Logger;
  /** Called after a run changed sockets (the connector fetches its configuration again). */
  onChanged?: (() => void) | undefined;
}

/** Runs the plugins (all, or the named ones) once and answers the resources each found, filtered and tagged. */
export async function runPlugins(
  plugins: ConfiguredPlugin[],
  signal: AbortSignal,
): Promise<{ reported: Map<string, DiscoveredResource[]>; errors: Map<string, Error> }> {
  const reported = new Map<string, DiscoveredResource[]>();
  const errors = new Map<string, Error>();
  await Promise.all(
    plugins.map(async ({ plugin, settings }) => {
      try {
        reported.set(plugin.name, applySettings(plugin.name, settings, await plugin.discover(signal)));
      } catch (error) {
        errors.set(plugin.name, error as Error);
      }
    }),
  );
  return { reported, errors };
}

/** What reconciling the plugins' findings would change now (for `border0 connector discover --dry-run`). */
export async function planDiscovery(
  client: Border0Client,
  plugins: ConfiguredPlugin[],
  signal: AbortSignal = new AbortController().signal,
): Promise<{ changes: PlannedChange[]; errors: Map<string, Error> }> {
  const { reported, errors } = await runPlugins(plugins, signal);
  const configured = new Set(plugins.map((p) => p.plugin.name));
  return { changes: planChanges(await ownedSockets(client), reported, configured), errors };
}

export class DiscoveryRunner {
  readonly #options: DiscoveryRunnerOptions;
  readonly #status = new Map<string, DiscoveryStatus>();
  readonly #abort = new AbortController();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #watches: { close(): void }[] = [];
  #queue: Promise<void> = Promise.resolve();

  constructor(options: DiscoveryRunnerOptions) {
    this.#options = options;
    for (const { plugin } of options.plugins) {
      this.#status.set(plugin.name, { plugin: plugin.name, last_run_at: null, error: null, resources: 0 });
    }
  }

  /** Each plugin's last run. */
  status(): DiscoveryStatus[] {
    return [...this.#status.values()];
  }

  /** Runs every plugin now (and removes sockets of plugins no longer configured), then on their intervals. */
  start(): Promise<void> {
    const first = this.run(this.#options.plugins, true);
    for (const configured of this.#options.plugins) {
      const timer = setInterval(() => void this.run([configured]), configured.plugin.intervalMs);
      timer.unref();
      this.#timers.push(timer);
      const watch = configured.plugin.watch?.(() => void this.run([configured]));
      if (watch) this.#watches.push(watch);
    }
    return first;
  }

  /** Runs the plugins once, after any run under way, and reconciles. Never rejects. */
  run(plugins: ConfiguredPlugin[], all = false): Promise<void> {
    this.#queue = this.#queue.then(() => this.#runNow(plugins, all));
    return this.#queue;
  }

  async #runNow(plugins: ConfiguredPlugin[], all: boolean): Promise<void> {
    if (this.#abort.signal.aborted) return;
    const { client, log } = this.#options;
    const { reported, errors } = await runPlugins(plugins, this.#abort.signal);
    const finished = new Date().toISOString();
    try {
      const configured = new Set(this.#options.plugins.map((p) => p.plugin.name));
      // Only the first run sweeps the sockets of plugins removed from the configuration.
      const changes = planChanges(await ownedSockets(client), reported, configured).filter(
        (c) => all || c.kind !== 'delete' || configured.has(c.plugin),
      );
      for (const skipped of changes.filter((c) => c.kind === 'skip')) {
        log.warn(
          { socket: skipped.name, plugin: skipped.plugin, why: skipped.detail },
          'discovered socket skipped',
        );
      }
      const failed = await applyChanges(client, changes);
      for (const { change, error } of failed) {
        const text = `${change.kind} ${change.name}: ${error.message}`;
        errors.set(change.plugin, errors.get(change.plugin) ?? new Error(text));
      }
      const applied = changes.filter((c) => c.kind !== 'skip' && !failed.some((f) => f.change === c));
      if (applied.length > 0) {
        log.info({ changes: applied.map((c) => `${c.kind} ${c.name}`) }, 'discovery changed sockets');
        this.#options.onChanged?.();
      }
    } catch (error) {
      for (const { plugin } of plugins) errors.set(plugin.name, errors.get(plugin.name) ?? (error as Error));
    }
    for (const { plugin } of plugins) {
      const error = errors.get(plugin.name);
      if (error) log.warn({ plugin: plugin.name, err: error }, 'discovery run failed');
      this.#status.set(plugin.name, {
        plugin: plugin.name,
        last_run_at: finished,
        error: error ? error.message.slice(0, 2000) : null,
        resources: reported.get(plugin.name)?.length ?? 0,
      });
    }
  }

  async close(): Promise<void> {
    this.#abort.abort();
    for (const timer of this.#timers) clearInterval(timer);
    for (const watch of this.#watches) watch.close();
    await this.#queue;
  }
}
