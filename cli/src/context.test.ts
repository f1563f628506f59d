import { describe, expect, it } from 'vitest';
import { DEFAULT_API_URL, resolveSettings } from './context.js';

const config = {
  api_url: 'http://config.example:6080',
  current_organization: 'local',
  organizations: {
    local: { token: 'b0a_local', api_url: 'http://local.example:6080' },
    acme: { token: 'b0a_acme' },
  },
};

describe('resolveSettings', () => {
  it('uses the current organization from the config file when nothing else is given', () => {
    expect(resolveSettings({}, {}, config)).toEqual({
      apiUrl: 'http://local.example:6080',
      token: 'b0a_local',
      output: 'table',
      organization: 'local',
      refreshable: false,
    });
  });

  it('prefers flags to the environment, and the environment to the file', () => {
    const env = { BORDER0_API_URL: 'http://env:1', BORDER0_TOKEN: 'b0a_env', BORDER0_OUTPUT: 'json' };
    expect(resolveSettings({}, env, config)).toMatchObject({
      apiUrl: 'http://env:1',
      token: 'b0a_env',
      output: 'json',
    });
    expect(
      resolveSettings({ apiUrl: 'http://flag:2/', token: 'b0a_flag', output: 'table' }, env, config),
    ).toMatchObject({
      apiUrl: 'http://flag:2',
      token: 'b0a_flag',
      output: 'table',
    });
  });

  it('switches organization with --org, falling back to the file’s api_url', () => {
    expect(resolveSettings({ org: 'acme' }, {}, config)).toMatchObject({
      token: 'b0a_acme',
      apiUrl: 'http://config.example:6080',
      organization: 'acme',
    });
    expect(() => resolveSettings({ org: 'nope' }, {}, config)).toThrow(
      /no stored token for organization nope/,
    );
  });

  it('works with no config at all', () => {
    expect(resolveSettings({}, {}, {})).toEqual({
      apiUrl: DEFAULT_API_URL,
      token: undefined,
      output: 'table',
      organization: undefined,
      refreshable: false,
    });
  });

  it('renews only a stored device login’s own token, never one given by flag or environment', () => {
    const withLogin = {
      current_organization: 'acme',
      organizations: { acme: { token: 'b0a_short', refresh_token: 'b0r_next' } },
    };
    expect(resolveSettings({}, {}, withLogin)).toMatchObject({ token: 'b0a_short', refreshable: true });
    expect(resolveSettings({}, { BORDER0_TOKEN: 'b0a_env' }, withLogin)).toMatchObject({
      refreshable: false,
    });
    expect(resolveSettings({ token: 'b0a_flag' }, {}, withLogin)).toMatchObject({ refreshable: false });
  });

  it('refuses an unknown output format from the environment', () => {
    expect(() => resolveSettings({}, { BORDER0_OUTPUT: 'yaml' }, {})).toThrow(
      /--output must be table or json/,
    );
  });
});
