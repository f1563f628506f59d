import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configPath, readConfig, withOrganization, withoutOrganization, writeConfig } from './config.js';

describe('config file', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'border0-config-'));
    dirs.push(dir);
    return join(dir, 'nested');
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('is written readable only by its owner, and read back', () => {
    const dir = tempDir();
    expect(readConfig(dir)).toEqual({});
    writeConfig(dir, withOrganization({}, 'local', { token: 'b0a_x', api_url: 'http://h:1' }, true));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(configPath(dir)).mode & 0o777).toBe(0o600);
    expect(readConfig(dir)).toEqual({
      api_url: 'http://h:1',
      current_organization: 'local',
      organizations: { local: { token: 'b0a_x', api_url: 'http://h:1' } },
    });
  });

  it('names the file when it cannot be parsed', () => {
    const dir = tempDir();
    writeConfig(dir, {});
    writeFileSync(configPath(dir), '- just\n- a list\n');
    expect(() => readConfig(dir)).toThrow(/cannot read .*config.yaml: not a mapping/);
  });
});

describe('stored organizations', () => {
  const two = withOrganization(
    withOrganization({}, 'local', { token: 'a' }, true),
    'acme',
    { token: 'b' },
    false,
  );

  it('adds an organization without switching to it unless asked', () => {
    expect(two.current_organization).toBe('local');
    expect(Object.keys(two.organizations ?? {})).toEqual(['local', 'acme']);
  });

  it('falls back to another stored organization when the current one is removed', () => {
    expect(withoutOrganization(two, 'local')).toMatchObject({ current_organization: 'acme' });
    expect(
      withoutOrganization(withoutOrganization(two, 'local'), 'acme').current_organization,
    ).toBeUndefined();
  });
});
