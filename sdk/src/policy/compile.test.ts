/** Which policies apply to a socket: org-wide, attached by id, or by tag rules (OR across maps, AND within). */
import { describe, expect, it } from 'vitest';
import { appliesToSocket, compilePolicy } from './compile.js';
import type { PolicyInput } from './types.js';

type PolicyTargets = Pick<PolicyInput, 'org_wide' | 'tag_rules' | 'socket_ids'>;
const socket = { id: 'socket-1', tags: { env: 'prod', team: 'web' } };
const policy = (targets: Partial<PolicyTargets>): PolicyInput => ({
  id: 'p',
  name: 'p',
  document: { permissions: {}, condition: {} },
  org_wide: false,
  tag_rules: [],
  socket_ids: [],
  ...targets,
});
const policyAppliesToSocket = (p: PolicyInput, s: typeof socket) => appliesToSocket(compilePolicy(p), s);

describe('appliesToSocket', () => {
  it.each<[string, Partial<PolicyTargets>, boolean]>([
    ['an org-wide policy', { org_wide: true }, true],
    ['a policy attached by id', { socket_ids: ['socket-0', 'socket-1'] }, true],
    ['a policy attached to other sockets', { socket_ids: ['socket-2'] }, false],
    ['a policy with no targets', {}, false],
    ['a rule the socket fully matches', { tag_rules: [{ env: 'prod', team: 'web' }] }, true],
    ['a rule matching a subset of the tags', { tag_rules: [{ env: 'prod' }] }, true],
    ['a rule matching only some of its tags', { tag_rules: [{ env: 'prod', team: 'data' }] }, false],
    ['a rule with another value', { tag_rules: [{ env: 'dev' }] }, false],
    ['a rule with a tag the socket lacks', { tag_rules: [{ region: 'eu' }] }, false],
    ['one matching rule among several', { tag_rules: [{ env: 'dev' }, { team: 'web' }] }, true],
    ['an empty rule', { tag_rules: [{}] }, false],
  ])('%s → %s', (_name, targets, expected) => {
    expect(policyAppliesToSocket(policy(targets), socket)).toBe(expected);
  });

  it('matches tag values exactly, not by prefix or case', () => {
    expect(policyAppliesToSocket(policy({ tag_rules: [{ env: 'Prod' }] }), socket)).toBe(false);
    expect(policyAppliesToSocket(policy({ tag_rules: [{ env: 'pro' }] }), socket)).toBe(false);
  });
});
