/** Planning: what the reconciler creates, updates and deletes, and the sockets it never touches. */
import type { Schema } from '@border0/sdk';
import { describe, expect, it } from 'vitest';
import { DISCOVERY_TAG, type DiscoveredResource } from './discovery-plugin.js';
import { type OwnedSocket, planChanges } from './socket-reconciler.js';

const socket = (name: string, tags: Record<string, string>, port = 80): Schema<'Socket'> =>
  ({
    name,
    socket_type: 'http',
    tags,
    description: null,
    upstream_configuration: { type: 'http', scheme: 'http', hostname: '127.0.0.1', port },
  }) as Schema<'Socket'>;
const found = (name: string, plugin: string, port = 80): DiscoveredResource => ({
  name,
  socketType: 'http',
  upstream: { type: 'http', scheme: 'http', hostname: '127.0.0.1', port },
  tags: { [DISCOVERY_TAG]: plugin },
  source: `tcp://127.0.0.1:${port}`,
});
const summary = (changes: ReturnType<typeof planChanges>) => changes.map((c) => `${c.kind} ${c.name}`);

describe('planChanges', () => {
  const owned = [
    socket('static-web', {}),
    socket('kept', { [DISCOVERY_TAG]: 'network' }),
    socket('moved', { [DISCOVERY_TAG]: 'network' }),
    socket('gone', { [DISCOVERY_TAG]: 'network' }),
    socket('of-docker', { [DISCOVERY_TAG]: 'docker' }),
  ];

  it('creates the new, updates the changed, deletes the vanished, and skips a static socket’s name', () => {
    const reported = new Map([
      [
        'network',
        [
          found('kept', 'network'),
          found('moved', 'network', 81),
          found('new', 'network'),
          found('static-web', 'network'),
        ],
      ],
    ]);
    const changes = planChanges(owned, reported, new Set(['network', 'docker']));
    expect(summary(changes)).toEqual(['update moved', 'create new', 'skip static-web', 'delete gone']);
    expect(changes[0]?.detail).toBe('upstream_configuration.port');
  });

  it('keeps the sockets of a plugin that did not report (it failed), and drops those of a plugin no longer configured', () => {
    expect(summary(planChanges(owned, new Map(), new Set(['network', 'docker'])))).toEqual([]);
    expect(summary(planChanges(owned, new Map(), new Set(['network'])))).toEqual(['delete of-docker']);
  });

  it('skips a name another plugin already has', () => {
    const reported = new Map([['network', [found('of-docker', 'network')]]]);
    const changes = planChanges(owned, reported, new Set(['network', 'docker']));
    expect(changes.find((c) => c.name === 'of-docker')).toMatchObject({
      kind: 'skip',
      detail: 'discovered by docker',
    });
  });
});

describe('planChanges with credentials', () => {
  // Built from a `$` so that no linter takes them for templates.
  const $ = '$';
  const OLD = `${$}{from:env:OLD_PASSWORD}`;
  const NEW = `${$}{from:file:/run/secrets/pg}`;
  const database = (references: string[] | undefined, passwordSet = true) =>
    ({
      name: 'pg',
      socket_type: 'database',
      tags: { [DISCOVERY_TAG]: 'network' },
      description: null,
      upstream_configuration: {
        type: 'database',
        protocol: 'postgres',
        hostname: '127.0.0.1',
        port: 5432,
        authentication_type: 'username_and_password',
        username: 'app',
        password_set: passwordSet,
        private_key_set: false,
      },
      secret_references: references,
    }) as unknown as OwnedSocket;
  const wanting = (password: string) =>
    new Map([
      [
        'network',
        [
          {
            name: 'pg',
            socketType: 'database',
            upstream: {
              type: 'database',
              protocol: 'postgres',
              hostname: '127.0.0.1',
              port: 5432,
              authentication_type: 'username_and_password',
              username: 'app',
              password,
            },
            tags: { [DISCOVERY_TAG]: 'network' },
            source: 'tcp://127.0.0.1:5432',
          } as DiscoveredResource,
        ],
      ],
    ]);
  const plan = (owned: ReturnType<typeof database>, password: string) =>
    planChanges([owned], wanting(password), new Set(['network']));

  it('updates a socket whose password reference changed in connector.yaml, so the connector may answer for the new one', () => {
    expect(plan(database([OLD]), OLD)).toEqual([]);
    expect(plan(database([OLD]), NEW)).toMatchObject([
      { kind: 'update', name: 'pg', detail: 'upstream_configuration.password' },
    ]);
  });

  it('sets a password the socket has none of, and leaves an unreadable plain one as it is', () => {
    expect(plan(database([], false), 'plain-s3cret')).toMatchObject([
      { kind: 'update', detail: 'upstream_configuration.password' },
    ]);
    expect(plan(database([]), 'plain-s3cret')).toEqual([]);
  });
});
