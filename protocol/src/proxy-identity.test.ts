import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { checkProxyIdentity } from './proxy-identity.js';

const certificate = (names: string) => ({ subject: {}, subjectaltname: names }) as unknown as PeerCertificate;

describe('checkProxyIdentity', () => {
  it('accepts a one-label wildcard, which Node refuses, and what Node accepts', () => {
    expect(checkProxyIdentity('web-local.localhost', certificate('DNS:*.localhost'))).toBeUndefined();
    expect(checkProxyIdentity('web-acme.example.net', certificate('DNS:*.example.net'))).toBeUndefined();
  });

  it('refuses other names, deeper names and a bare domain', () => {
    expect(checkProxyIdentity('web.evil.example', certificate('DNS:*.localhost'))).toBeInstanceOf(Error);
    expect(checkProxyIdentity('a.b.localhost', certificate('DNS:*.localhost'))).toBeInstanceOf(Error);
    expect(checkProxyIdentity('localhost', certificate('DNS:*.localhost'))).toBeInstanceOf(Error);
  });
});
