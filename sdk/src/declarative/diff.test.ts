import { describe, expect, it } from 'vitest';
import { diffEntry } from './diff.js';
import { entryOf, type Names } from './resource-kinds.js';

const $ = '$';
const names: Names = {
  connectors: new Map([['c1', 'lab']]),
  sockets: new Map([['s1', 'web']]),
  groups: new Map([['g1', 'ops']]),
};

const socket = {
  id: 's1',
  name: 'web',
  display_name: null,
  description: null,
  socket_type: 'ssh',
  tags: { env: 'prod', team: 'infra' },
  recording_enabled: true,
  recording_input_enabled: false,
  connector_ids: ['c1'],
  upstream_configuration: {
    type: 'ssh',
    hostname: '10.0.0.5',
    port: 22,
    authentication_type: 'username_and_password',
    username_provider: 'defined',
    username: 'ops',
    password_set: true,
    private_key_set: false,
    host_key: 'ssh-ed25519 AAAA',
  },
  dnsname: 'web-acme.localhost',
  created_at: '2026-11-26T08:00:00.000Z',
  updated_at: '2026-11-26T08:00:00.000Z',
};
const current = entryOf('socket', socket, names);

describe('diffEntry', () => {
  it('finds no change where the file leaves fields to the server and states the rest as the API has them', () => {
    const desired = {
      name: 'web',
      socket_type: 'ssh',
      connectors: ['lab'],
      upstream_configuration: {
        type: 'ssh',
        hostname: '10.0.0.5',
        authentication_type: 'username_and_password',
        username: 'ops',
        password: `${$}{from:env:WEB_PASSWORD}`,
      },
    };
    expect(diffEntry(desired, current)).toEqual([]);
  });

  it('names exactly the nested field that differs', () => {
    const desired = { upstream_configuration: { type: 'ssh', hostname: '10.0.0.5', port: 2222 } };
    expect(diffEntry(desired, current)).toEqual([
      { path: 'upstream_configuration.port', before: 22, after: 2222 },
    ]);
  });

  it('compares tags key by key, so a tag the file drops is a change', () => {
    expect(diffEntry({ tags: { env: 'staging' } }, current)).toEqual([
      { path: 'tags.env', before: 'prod', after: 'staging' },
      { path: 'tags.team', before: 'infra', after: undefined },
    ]);
  });

  it('compares a secret by whether one is stored, never by value', () => {
    const reference = `${$}{from:env:KEY}`;
    const desired = { upstream_configuration: { private_key: reference, password: reference } };
    expect(diffEntry(desired, current)).toEqual([
      { path: 'upstream_configuration.private_key', before: undefined, after: reference, secret: true },
    ]);
  });

  it('reads name lists as sets: order is no change, a missing name is', () => {
    const policy = entryOf(
      'policy',
      {
        name: 'p',
        description: null,
        document: {},
        org_wide: false,
        tag_rules: [],
        socket_ids: ['s1', 'zz'],
      },
      names,
    );
    expect(policy.sockets).toEqual(['web', 'zz']);
    expect(diffEntry({ sockets: ['zz', 'web'] }, policy)).toEqual([]);
    expect(diffEntry({ sockets: ['web'] }, policy)).toEqual([
      { path: 'sockets', before: ['web', 'zz'], after: ['web'] },
    ]);
  });

  it('compares a policy document whole, so a condition the file removes is a change', () => {
    const document = { permissions: { ssh: { shell: {} } }, condition: { who: { email: ['a@x.dev'] } } };
    const policy = { document: { ...document, condition: { who: { email: ['a@x.dev'], group: ['ops'] } } } };
    expect(diffEntry({ document }, policy)).toEqual([
      { path: 'document', before: policy.document, after: document },
    ]);
    expect(diffEntry({ document }, { document: structuredClone(document) })).toEqual([]);
  });

  it('reads a policy’s groups by name, since ids differ between organizations', () => {
    const document = { permissions: {}, condition: { who: { group: ['g1'], email: ['a@x.dev'] } } };
    const policy = entryOf(
      'policy',
      { name: 'p', description: null, document, org_wide: false, tag_rules: [], socket_ids: [] },
      names,
    );
    expect(policy.document).toEqual({
      permissions: {},
      condition: { who: { group: ['ops'], email: ['a@x.dev'] } },
    });
  });

  it('finds no change in a policy that states the API’s defaults (version, org_wide, no tag rules or sockets)', () => {
    const policy = entryOf(
      'policy',
      {
        name: 'p',
        description: null,
        version: 'v2',
        document: {},
        org_wide: false,
        tag_rules: [],
        socket_ids: [],
      },
      names,
    );
    const desired = { name: 'p', version: 'v2', document: {}, org_wide: false, tag_rules: [], sockets: [] };
    expect(diffEntry(desired, policy)).toEqual([]);
  });

  it('reads a stored secret as a reference and drops read-only upstream fields', () => {
    expect(current.upstream_configuration).toEqual({
      type: 'ssh',
      hostname: '10.0.0.5',
      port: 22,
      authentication_type: 'username_and_password',
      username_provider: 'defined',
      username: 'ops',
      password: `${$}{from:env:WEB_PASSWORD}`,
    });
  });
});
