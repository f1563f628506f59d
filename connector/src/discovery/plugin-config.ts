/**
 * The `discovery:` map of connector.yaml, from plugin name to its settings, made into plugins. Each
 * plugin's settings may also hold the common `include`, `exclude` and `tags` (resource-filter.ts).
 */
import { AwsEc2Plugin, parseAwsEc2Settings } from './aws-ec2-plugin.js';
import type { ConfiguredPlugin } from './discovery-runner.js';
import { DockerPlugin, parseDockerSettings } from './docker-plugin.js';
import { KubernetesPlugin, parseKubernetesSettings } from './kubernetes-plugin.js';
import { NetworkPlugin, parseNetworkSettings } from './network-plugin.js';
import type { CommonSettings } from './resource-filter.js';

const FACTORIES: Record<string, (settings: unknown) => ConfiguredPlugin['plugin']> = {
  aws_ec2: (settings) => new AwsEc2Plugin(parseAwsEc2Settings(settings)),
  docker: (settings) => new DockerPlugin(parseDockerSettings(settings)),
  kubernetes: (settings) => new KubernetesPlugin(parseKubernetesSettings(settings)),
  network: (settings) => new NetworkPlugin(parseNetworkSettings(settings)),
};

function commonSettings(name: string, raw: Record<string, unknown>): CommonSettings {
  const list = (key: 'include' | 'exclude') => {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      throw new Error(`discovery.${name}.${key}: expected a list of name patterns`);
    }
    return value as string[];
  };
  const tags = raw.tags;
  if (tags !== undefined && (typeof tags !== 'object' || tags === null || Array.isArray(tags))) {
    throw new Error(`discovery.${name}.tags: expected a map of tag names to values`);
  }
  return {
    include: list('include'),
    exclude: list('exclude'),
    tags: tags ? Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)])) : undefined,
  };
}

/** The plugins of a `discovery:` map; an unknown plugin name or bad settings throw, naming the field. */
export function configuredPlugins(discovery: unknown): ConfiguredPlugin[] {
  if (discovery === undefined || discovery === null) return [];
  if (typeof discovery !== 'object' || Array.isArray(discovery)) {
    throw new Error('discovery: expected a map from plugin name to its settings');
  }
  return Object.entries(discovery as Record<string, unknown>).map(([name, raw]) => {
    const factory = FACTORIES[name];
    if (!factory) {
      throw new Error(`discovery.${name}: unknown plugin (known: ${Object.keys(FACTORIES).join(', ')})`);
    }
    const settings = (raw ?? {}) as Record<string, unknown>;
    return { plugin: factory(settings), settings: commonSettings(name, settings) };
  });
}
