import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '@border0/sdk/declarative';
import { tempDir } from '@border0/testing';
import { describe, expect, it } from 'vitest';
import { defaultStatePath, formatPlan, readDocument } from './declarative.js';

const $ = '$';
const base: Plan = {
  format: 'border0-plan/1',
  organization: { id: 'o1', name: 'acme' },
  prune: true,
  changes: [],
  unchanged: [],
  managed: {},
};

describe('border0 plan output', () => {
  it('says in words that nothing changes', () => {
    expect(formatPlan(base, 'resources.yaml')).toEqual([
      'No changes: the organization acme matches resources.yaml.',
    ]);
  });

  it('shows each change with its fields, secrets as references, and the counts', () => {
    const reference = `${$}{from:env:DB_PASSWORD}`;
    const lines = formatPlan(
      {
        ...base,
        changes: [
          {
            kind: 'group',
            action: 'create',
            name: 'ops',
            diffs: [{ path: 'name', before: undefined, after: 'ops' }],
          },
          {
            kind: 'socket',
            action: 'update',
            name: 'db',
            diffs: [
              { path: 'upstream_configuration.port', before: 5432, after: 5433 },
              { path: 'upstream_configuration.password', before: undefined, after: reference, secret: true },
              { path: 'tags.team', before: 'infra', after: undefined },
            ],
          },
          { kind: 'policy', action: 'delete', name: 'old', diffs: [] },
        ],
      },
      'resources.yaml',
    );
    expect(lines).toEqual([
      '+ create group ops',
      '    name: "ops"',
      '~ update socket db',
      '    upstream_configuration.port: 5432 → 5433',
      `    upstream_configuration.password: (not set) → "${reference}"`,
      '    tags.team: "infra" → (none)',
      '- delete policy old',
      'Plan for acme: 1 to create, 1 to change, 1 to delete.',
    ]);
  });
});

describe('the resources file', () => {
  it('keeps the state beside it', () => {
    expect(defaultStatePath('infra/resources.yaml')).toBe('infra/resources.state.json');
    expect(defaultStatePath('org.json')).toBe('org.state.json');
  });

  it('names the file and the path of a bad field', async () => {
    const file = join(tempDir('declarative-cli'), 'resources.yaml');
    writeFileSync(
      file,
      'sockets:\n  - name: web\n    socket_type: gopher\n    upstream_configuration: { type: http }\n',
    );
    await expect(readDocument(file)).rejects.toThrow(`${file}: sockets[0].socket_type: `);
    writeFileSync(file, 'sockets: [\n');
    await expect(readDocument(file)).rejects.toThrow(`${file}: not YAML: `);
  });
});
