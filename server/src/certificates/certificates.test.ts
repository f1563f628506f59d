/**
 * Client certificates end to end, on each store: X.509 certificates judged by the real `openssl verify`,
 * SSH certificates by the real `ssh-keygen -L` and by the CA key in code; who may get them, what is audited,
 * how the CA keys are stored, and that every organization has CAs of its own.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';
import {
  opensslText,
  opensslVerify,
  sshFingerprint,
  sshKeygenKey,
  sshKeygenList,
} from '../../test/support/cli-tools.js';
import { breakSignature, createCsr, createSshKey } from '../../test/support/client-keys.js';
import { personToken } from '../../test/support/person-token.js';
import { storeDigest } from '../../test/support/world.js';
import { parseSshCertificate, verifySshCertificate } from './ssh-certificate.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;
const ONE_HOUR = 3600 * 1000;

for (const dialect of DIALECTS) {
  describe(`client certificates (${dialect})`, () => {
    let h: Harness;
    let orgId: string;

    const post = async (
      path: string,
      json: unknown,
      token?: string,
      headers: Record<string, string> = {},
    ) => {
      const res = await h.request(`/api/v1/client/${path}`, {
        method: 'POST',
        json,
        headers,
        ...(token && { token }),
      });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const x509 = async (token?: string, ttl_seconds?: number) =>
      post('certificates', { csr: (await createCsr()).csrPem, ttl_seconds }, token);
    const ssh = (public_key: string, token?: string) => post('ssh-certificates', { public_key }, token);
    const authorities = async (token?: string) =>
      (await (await h.request('/api/v1/client/ca', token ? { token } : {})).json()) as Json;

    beforeAll(async () => {
      h = await createHarness(dialect);
      orgId = (await h.services.db.selectFrom('organizations').select('id').executeTakeFirstOrThrow()).id;
    });
    afterAll(() => h?.close());

    it('creates each CA once, even when many ask at once', async () => {
      const answers = await Promise.all([
        ...Array.from({ length: 4 }, () => authorities()),
        ...Array.from({ length: 3 }, () => x509()),
      ]);
      const ca = answers[0];
      for (const answer of answers.slice(1, 4)) expect(answer).toEqual(ca);
      for (const issued of answers.slice(4)) expect(issued.body.ca_certificate).toBe(ca.x509_ca_certificate);
      const rows = await h.services.db.selectFrom('certificate_authorities').select('kind').execute();
      expect(rows.map((r) => r.kind).sort()).toEqual([
        'ssh_upstream',
        'ssh_user',
        'x509_client',
        'x509_platform',
      ]);
    });

    it('issues a client certificate for the caller that openssl verifies against the organization CA', async () => {
      const { status, body } = await x509();
      expect(status, JSON.stringify(body)).toBe(201);
      const { x509_ca_certificate } = await authorities();
      expect(body.ca_certificate).toBe(x509_ca_certificate);
      const verified = opensslVerify(x509_ca_certificate, body.certificate, ['-purpose', 'sslclient']);
      expect(verified.status, verified.output).toBe(0);
      // The CSR asked for `CN=root, O=evil`: the CA decides the subject.
      expect(body.subject).toBe('CN=owner@acme.dev, O=acme');
      const text = opensslText(body.certificate);
      expect(text).toContain('Subject: CN = owner@acme.dev, O = acme');
      expect(text).toMatch(/Subject Alternative Name:\s+email:owner@acme.dev\n/);
      expect(text).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication\n/);
      expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/);
      expect(text.replaceAll(':', '')).toContain(body.serial);
      const lifetime = Date.parse(body.not_after) - Date.parse(body.not_before);
      expect(lifetime).toBe(ONE_HOUR + 60_000);
      expect(Date.parse(body.not_after) - Date.now()).toBeLessThanOrEqual(ONE_HOUR);
    });

    it('refuses bad requests with a 400 naming the field, and changes nothing', async () => {
      const { csrPem } = await createCsr();
      const before = await storeDigest(h.services.db);
      const cases: [string, unknown, string, RegExp][] = [
        ['certificates', { csr: breakSignature(csrPem) }, 'csr', /signature does not verify/],
        ['certificates', { csr: 'hello' }, 'csr', /PEM/],
        ['certificates', { csr: (await createCsr('ec-p384')).csrPem }, 'csr', /not supported/],
        ['certificates', { csr: csrPem, ttl_seconds: 3600 + 1 }, 'ttl_seconds', /3600/],
        ['ssh-certificates', { public_key: 'ssh-ed25519 AAAA' }, 'public_key', /not a valid/],
        ['ssh-certificates', { public_key: sshKeygenKey(['-t', 'dsa']) }, 'public_key', /not supported/],
        [
          'ssh-certificates',
          { public_key: createSshKey().publicKeyLine, ttl_seconds: 0 },
          'ttl_seconds',
          /60/,
        ],
      ];
      for (const [path, json, field, message] of cases) {
        const { status, body } = await post(path, json);
        expect(status, JSON.stringify(body)).toBe(400);
        expect(body.errors).toEqual([{ field, message: expect.stringMatching(message) }]);
      }
      expect(await storeDigest(h.services.db)).toBe(before);
    });

    it('issues an SSH certificate that ssh-keygen reads and the CA key verifies', async () => {
      const publicKey = sshKeygenKey(['-t', 'ed25519']);
      const { status, body } = await ssh(publicKey);
      expect(status, JSON.stringify(body)).toBe(201);
      const { ssh_ca_public_key } = await authorities();
      expect(body).toMatchObject({
        ca_public_key: ssh_ca_public_key,
        key_id: 'owner@acme.dev',
        principals: ['owner@acme.dev', 'owner'],
      });
      const listed = sshKeygenList(body.certificate);
      expect(listed.status, listed.output).toBe(0);
      expect(listed.output).toContain(
        `Signing CA: ED25519 ${sshFingerprint(ssh_ca_public_key)} (using ssh-ed25519)`,
      );
      expect(listed.output).toContain(`Public key: ED25519-CERT ${sshFingerprint(publicKey)}`);
      expect(listed.output).toMatch(/Principals: \n\s+owner@acme.dev\n\s+owner\n/);
      expect(listed.output).toContain(`Serial: ${body.serial}`);
      const iso = (t: string) => new Date(t).toISOString().slice(0, 19);
      expect(listed.output).toContain(`Valid: from ${iso(body.valid_after)} to ${iso(body.valid_before)}`);
      expect(Date.parse(body.valid_before) - Date.parse(body.valid_after)).toBe(ONE_HOUR + 60_000);
      const caBlob = Buffer.from(ssh_ca_public_key.split(' ')[1], 'base64');
      expect(verifySshCertificate(parseSshCertificate(body.certificate), caBlob)).toBe(true);
    });

    it('certifies a service account by its name, never beyond its token', async () => {
      const account = await post('../service-accounts', { name: 'deployer', role: 'client' });
      const expiresAt = new Date(Date.now() + 10 * 60_000);
      const token = (
        await post(`../service-accounts/${account.body.id}/tokens`, {
          name: 'ci',
          expires_at: expiresAt.toISOString(),
        })
      ).body.token;
      const cert = await x509(token);
      expect(cert.status, JSON.stringify(cert.body)).toBe(201);
      expect(cert.body.subject).toBe('CN=service-account:deployer, O=acme');
      expect(opensslText(cert.body.certificate)).not.toContain('Subject Alternative Name');
      expect(Date.parse(cert.body.not_after)).toBeLessThanOrEqual(expiresAt.getTime());
      const sshCert = await ssh(createSshKey().publicKeyLine, token);
      expect(sshCert.body).toMatchObject({ key_id: 'service-account:deployer', principals: ['deployer'] });
      expect(Date.parse(sshCert.body.valid_before)).toBeLessThanOrEqual(expiresAt.getTime());
    });

    it('refuses certificates to read_only and connector tokens, which may still read the CAs', async () => {
      const readOnly = await personToken(h.services.db, orgId, 'auditor@acme.dev', 'read_only');
      const connector = await post('../connectors', { name: 'dc1' });
      const connectorToken = (await post(`../connectors/${connector.body.id}/tokens`, { name: 'dc1' })).body
        .token;
      const client = await personToken(h.services.db, orgId, 'carol@acme.dev', 'client');
      for (const token of [readOnly, connectorToken]) {
        expect((await x509(token)).status).toBe(403);
        expect((await ssh(createSshKey().publicKeyLine, token)).status).toBe(403);
        expect(await authorities(token)).toEqual(await authorities());
      }
      expect((await x509(client)).body.subject).toBe('CN=carol@acme.dev, O=acme');
    });

    it('audits every issuance with its serial and expiry, never the certificate', async () => {
      const cert = await x509(undefined, 600);
      const sshCert = await ssh(createSshKey().publicKeyLine);
      const res = await h.request('/api/v1/audit?action=certificate.issue&limit=500');
      const entries = ((await res.json()) as Json).items as Json[];
      expect(entries.find((e) => e.resource_id === cert.body.serial)).toMatchObject({
        actor: 'user:owner@acme.dev',
        resource_type: 'certificate',
        details: { kind: 'x509_client', serial: cert.body.serial, not_after: cert.body.not_after },
      });
      expect(entries.find((e) => e.resource_id === `ssh:${sshCert.body.serial}`)).toMatchObject({
        details: { kind: 'ssh_user', key_id: 'owner@acme.dev', not_after: sshCert.body.valid_before },
      });
      const logged = JSON.stringify(entries);
      expect(logged).not.toContain('BEGIN CERTIFICATE');
      expect(logged).not.toContain(sshCert.body.certificate.split(' ')[1]);
    });

    it('replays an issuance with the same Idempotency-Key instead of signing twice', async () => {
      const json = { public_key: createSshKey().publicKeyLine };
      const headers = { 'idempotency-key': 'laptop-login-1' };
      const first = await post('ssh-certificates', json, undefined, headers);
      const again = await post('ssh-certificates', json, undefined, headers);
      expect(again).toEqual(first);
      const res = await h.request(`/api/v1/audit?resource_id=ssh:${first.body.serial}`);
      expect(((await res.json()) as Json).items).toHaveLength(1);
    });

    it('stores the CA private keys sealed, and readable only with the secret key', async () => {
      const rows = await h.services.db
        .selectFrom('certificate_authorities')
        .selectAll()
        .where('org_id', '=', orgId)
        .execute();
      // The client CA, the SSH CA of clients, and the SSH CA of the proxies' upstream logins.
      expect(rows).toHaveLength(3);
      for (const row of rows) {
        expect(row.private_key_sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
        expect(row.private_key_sealed).not.toMatch(/PRIVATE KEY|OPENSSH/);
        const key = createPrivateKey(h.services.secrets.open(row.private_key_sealed));
        const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
        if (row.kind === 'x509_client') {
          expect(row.public_part).toMatch(/^-----BEGIN CERTIFICATE-----/);
          expect(opensslText(row.public_part)).toContain('Subject: CN = acme Border0 client CA');
          expect(createPublicKey(row.public_part).export({ format: 'der', type: 'spki' })).toEqual(spki);
        } else {
          expect(row.public_part).toMatch(
            row.kind === 'ssh_user'
              ? /^ssh-ed25519 \S+ acme Border0 user CA$/
              : /^ssh-ed25519 \S+ acme Border0 upstream CA$/,
          );
          // The last 32 bytes of an Ed25519 SPKI and of its OpenSSH blob are the same raw key.
          expect(Buffer.from(row.public_part.split(' ')[1]!, 'base64').subarray(-32)).toEqual(
            spki.subarray(-32),
          );
        }
      }
    });

    it('gives a second organization CAs of its own: its certificates fail against the first’s', async () => {
      const tokenB = (await post('../organizations', { name: 'globex' })).body.owner_token;
      const [caA, caB] = [await authorities(), await authorities(tokenB)];
      expect(caB.x509_ca_certificate).not.toBe(caA.x509_ca_certificate);
      expect(caB.ssh_ca_public_key).not.toBe(caA.ssh_ca_public_key);
      const cert = await x509(tokenB);
      expect(cert.body.subject).toBe('CN=owner@acme.dev, O=globex');
      expect(opensslVerify(caB.x509_ca_certificate, cert.body.certificate).status).toBe(0);
      expect(opensslVerify(caA.x509_ca_certificate, cert.body.certificate).status).not.toBe(0);
      const sshCert = parseSshCertificate((await ssh(createSshKey().publicKeyLine, tokenB)).body.certificate);
      const blob = (line: string) => Buffer.from(line.split(' ')[1]!, 'base64');
      expect(verifySshCertificate(sshCert, blob(caB.ssh_ca_public_key))).toBe(true);
      expect(verifySshCertificate(sshCert, blob(caA.ssh_ca_public_key))).toBe(false);
    });
  });
}
