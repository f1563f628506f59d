/**
 * What every plugin's settings share: include/exclude filters on socket names (globs: `*` any run of
 * characters, `?` one) and extra tags, applied to what the plugin reports.
 */
import { DISCOVERY_TAG, type DiscoveredResource } from './discovery-plugin.js';

export interface CommonSettings {
  /** Names to keep (all when absent). */
  include?: string[] | undefined;
  /** Names to drop, after `include`. */
  exclude?: string[] | undefined;
  /** Tags added to every socket of the plugin (for policies' tag rules). */
  tags?: Record<string, string> | undefined;
}

export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${body}$`);
}

/** Keeps the resources the filters let through, with the plugin's tags and its discovery tag added. */
export function applySettings(
  plugin: string,
  settings: CommonSettings,
  resources: DiscoveredResource[],
): DiscoveredResource[] {
  const include = settings.include?.map(globToRegExp);
  const exclude = settings.exclude?.map(globToRegExp) ?? [];
  return resources
    .filter((r) => (!include || include.some((g) => g.test(r.name))) && !exclude.some((g) => g.test(r.name)))
    .map((r) => ({ ...r, tags: { ...r.tags, ...settings.tags, [DISCOVERY_TAG]: plugin } }));
}

/** A DNS label from any text: lower case, other characters as `-`, at most 63 characters. */
export function socketName(...parts: (string | number)[]): string {
  const name = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return name.slice(0, 63).replace(/-$/, '') || 'resource';
}
