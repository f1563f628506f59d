import { describe, expect, it } from 'vitest';
import {
  buildPolicyDocument,
  hasDocumentFlags,
  parsePolicyDocument,
  parseTagRules,
  whoOf,
} from './policy-document.js';

describe('buildPolicyDocument', () => {
  it('allows the given socket types, ssh with every action', () => {
    expect(buildPolicyDocument({ allow: ['ssh,database', 'http'] })).toEqual({
      permissions: { ssh: { shell: {}, exec: {}, sftp: {}, tcp_forwarding: {} }, database: {}, http: {} },
      condition: {},
    });
  });

  it('puts people, groups, service accounts and networks in the condition', () => {
    const document = buildPolicyDocument({
      allow: ['tls'],
      email: ['alice@acme.dev,bob@acme.dev'],
      group: ['0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e'],
      serviceAccount: ['ci'],
      ip: ['10.0.0.0/8'],
    });
    expect(document.condition).toEqual({
      who: {
        email: ['alice@acme.dev', 'bob@acme.dev'],
        group: ['0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e'],
        service_account: ['ci'],
      },
      where: { allowed_ip: ['10.0.0.0/8'] },
    });
    expect(whoOf(document, new Map([['0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e', 'eng']]))).toEqual([
      'alice@acme.dev',
      'bob@acme.dev',
      'group:eng',
      'sa:ci',
    ]);
  });

  it('refuses a document without socket types, or with unknown ones', () => {
    expect(() => buildPolicyDocument({ email: ['a@b.c'] })).toThrow(/needs --file or --allow/);
    expect(() => buildPolicyDocument({ allow: ['rdp'] })).toThrow(/not "rdp"/);
  });

  it('knows which flags shape the document', () => {
    expect(hasDocumentFlags({})).toBe(false);
    expect(hasDocumentFlags({ ip: ['10.0.0.0/8'] })).toBe(true);
  });
});

describe('parsePolicyDocument', () => {
  it('reads JSON and YAML', () => {
    const json = '{ "permissions": { "http": {} }, "condition": {} }';
    const yaml = 'permissions:\n  http: {}\ncondition: {}\n';
    expect(parsePolicyDocument(json, 'p.json')).toEqual(parsePolicyDocument(yaml, 'p.yaml'));
  });

  it('refuses files that are not a mapping', () => {
    expect(() => parsePolicyDocument('- a\n- b\n', 'p.yaml')).toThrow(/must hold a policy document/);
    expect(() => parsePolicyDocument('{ "a": ', 'p.json')).toThrow(/p.json is neither JSON nor YAML/);
  });
});

describe('parseTagRules', () => {
  it('makes one tag map per rule', () => {
    expect(parseTagRules(['env=prod,team=web', 'tier=db'])).toEqual([
      { env: 'prod', team: 'web' },
      { tier: 'db' },
    ]);
    expect(parseTagRules(undefined)).toBeUndefined();
  });
});
