import { describe, expect, it } from 'vitest';
import { opensslText, opensslVerify } from '../../test/support/cli-tools.js';
import { breakSignature, type CsrKey, createCsr } from '../../test/support/client-keys.js';
import { ApiError } from '../platform/http/problem.js';
import type { CertificateIdentity } from './certificate-identity.js';
import { parseCertificateRequest } from './certificate-request.js';
import { validityWindow } from './validity-window.js';
import {
  createX509Authority,
  loadX509Authority,
  randomSerial,
  signClientCertificate,
} from './x509-authority.js';

const alice: CertificateIdentity = { kind: 'user', email: 'alice@acme.dev', orgName: 'acme' };

async function refusal(pem: string): Promise<string> {
  const error = await parseCertificateRequest(pem).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).errors).toEqual([{ field: 'csr', message: expect.any(String) }]);
  return (error as ApiError).message;
}

describe('X.509 client CA', () => {
  it('is a self-signed ECDSA P-256 CA for five years that may sign certificates and CRLs only', async () => {
    const ca = await createX509Authority('acme Border0 client CA');
    const text = opensslText(ca.certificatePem);
    expect(text).toMatch(/Issuer: CN = acme Border0 client CA\s+Validity/);
    expect(text).toContain('Subject: CN = acme Border0 client CA');
    expect(text).toContain('NIST CURVE: P-256');
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    const years = (ca.notAfter.getTime() - Date.now()) / (365 * 24 * 3600e3);
    expect(years).toBeCloseTo(5, 1);
    expect(ca.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('signs client certificates that openssl verifies for TLS client authentication only', async () => {
    const material = await createX509Authority('acme Border0 client CA');
    const ca = await loadX509Authority(material.certificatePem, material.privateKeyPem);
    const { publicKey } = await parseCertificateRequest((await createCsr('rsa-2048')).csrPem);
    const cert = await signClientCertificate(ca, publicKey, alice, validityWindow(600));
    expect(cert.caCertificatePem).toBe(material.certificatePem);
    const client = opensslVerify(material.certificatePem, cert.certificatePem, ['-purpose', 'sslclient']);
    expect(client.status, client.output).toBe(0);
    expect(client.output).toMatch(/cert\.pem: OK/);
    const server = opensslVerify(material.certificatePem, cert.certificatePem, ['-purpose', 'sslserver']);
    expect(server.status).not.toBe(0);
    const other = await createX509Authority('acme Border0 client CA');
    expect(opensslVerify(other.certificatePem, cert.certificatePem).status).not.toBe(0);
  });

  it('draws 16-byte positive serials', () => {
    const serials = new Set(Array.from({ length: 200 }, randomSerial));
    expect(serials.size).toBe(200);
    for (const s of serials) expect(s).toMatch(/^[4-7][0-9a-f]{31}$/);
  });
});

describe('certificate requests (RFC 2986)', () => {
  it.each([
    ['ec-p256', 'ECDSA P-256'],
    ['rsa-2048', 'RSA 2048'],
  ] as [CsrKey, string][])('accepts a %s request', async (key, description) => {
    expect((await parseCertificateRequest((await createCsr(key)).csrPem)).keyDescription).toBe(description);
  });

  it.each([
    ['ec-p384', /ec secp384r1\) is not supported/],
    ['rsa-1024', /RSA 1024\) is not supported/],
    ['ed25519', /ed25519\) is not supported/],
  ] as [CsrKey, RegExp][])('refuses a %s key', async (key, message) => {
    expect(await refusal((await createCsr(key)).csrPem)).toMatch(message);
  });

  it('refuses a request whose signature is broken', async () => {
    const { csrPem } = await createCsr();
    expect(await refusal(breakSignature(csrPem))).toMatch(/signature does not verify/);
  });

  it('refuses what is not one PEM request', async () => {
    const { csrPem } = await createCsr();
    expect(await refusal('hello')).toMatch(/must be one PEM certificate request/);
    expect(await refusal(csrPem + csrPem)).toMatch(/must be one PEM/);
    expect(await refusal(csrPem.replace(/\n[A-Za-z0-9+/]{10}/, '\nAAAAAAAAAA'))).toMatch(
      /not a valid|verify/,
    );
    const certificate = (await createX509Authority('x')).certificatePem;
    expect(await refusal(certificate)).toMatch(/must be one PEM certificate request/);
  });
});
