/**
 * More of the portal's admin views in a real browser (headless Chromium, no route to the internet) in front of
 * `border0 start`: OIDC identity providers added, edited (the client secret write-only: never shown back, kept
 * when left empty) and deleted; groups losing a member, renamed and deleted; a service account's page with its
 * tokens (shown once, revoked) and trusted web identities; the socket form's upstream TLS settings for HTTP and
 * database sockets (the private key write-only, kept on edit). Hostile text the API stores is shown only as
 * text. Each page is saved as a screenshot, and fits a phone's width.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Border0Client, createClient } from '@border0/sdk';
import { type Platform, startPlatform, tempDir } from '@border0/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, offlineContext, SHOTS } from './browser.js';

const OWNER = 'admin@localhost';
/** Stored text that would act on the page if the portal ever turned it into markup. */
const MARKUP = '<img src=x onerror=alert(1)><script>alert(2)</script>';
const SECRET = 'client-secret-never-shown';

let api: Platform;
let admin: Border0Client;
let password: string;
let browser: Browser;
let page: Page;
let refused: string[];
let work: string;
const dialogs: string[] = [];
const consoleErrors: string[] = [];

async function open(path: string) {
  await page.goto(`${api.url}${path}`);
  if (new URL(page.url()).pathname === '/login') {
    await page.getByLabel('Email').fill(OWNER);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${api.url}${path}`);
  }
  await page.locator('main h1').first().waitFor();
  await page
    .locator('main [role="status"]')
    .filter({ hasText: /^Loading/ })
    .first()
    .waitFor({ state: 'detached' });
}

/** The text of the field error tied to a control (its aria-describedby). */
async function errorOf(label: string): Promise<string> {
  const control = page.getByLabel(label, { exact: true });
  await expect.poll(() => control.getAttribute('aria-invalid')).toBe('true');
  const ids = (await control.getAttribute('aria-describedby')) ?? '';
  const texts = await Promise.all(ids.split(' ').map((id) => page.locator(`[id="${id}"]`).textContent()));
  return texts.join(' ');
}

/** Nothing stored became markup, nothing ran, and the page fits a phone's width (saved as a screenshot). */
async function safeAndFits(shot: string) {
  expect(await page.locator('main img').count()).toBe(0);
  expect(await page.locator('main script').count()).toBe(0);
  expect(dialogs).toEqual([]);
  await page.screenshot({ path: join(SHOTS, `${shot}.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  // What sticks out, named in the failure.
  const wide = await page.evaluate<string>(
    `[...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.table-wrap')).map((e) => e.tagName + ' ' + (e.textContent || '').slice(0, 30)).slice(0, 5).join('; ')`,
  );
  expect(overflow, `${shot}: ${wide}`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: join(SHOTS, `${shot}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** A self-signed certificate and its key (PEM), made by OpenSSL. */
function certificate(name: string): { cert: string; key: string } {
  const key = join(work, `${name}.key`);
  const cert = join(work, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

beforeAll(async () => {
  work = tempDir('portal-admin-more');
  const env = { BORDER0_CONFIG_DIR: join(work, 'config') };
  api = await startPlatform(['--data-dir', join(work, 'data'), '--no-proxy'], env);
  const read = (name: string) => readFileSync(join(work, 'data', name), 'utf8').trim();
  password = read('admin-password');
  admin = createClient({ baseUrl: api.url, token: read('admin-token') });
  browser = await launchBrowser();
  const offline = await offlineContext(browser);
  refused = offline.refused;
  page = await offline.context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('more of the portal’s admin views', () => {
  it('adds, edits and deletes an OIDC identity provider, never showing its client secret', async () => {
    await open('/identity-providers');
    await page.getByText('No identity providers.').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('corp');
    await page.getByLabel('Login button label').fill(MARKUP);
    await page.getByLabel('Issuer', { exact: true }).fill('ftp://idp.example.com');
    await page.getByLabel('Client id').fill('portal-app');
    await page.getByLabel('Client secret').fill(SECRET);
    await page.getByRole('button', { name: 'Add identity provider' }).click();
    expect(await errorOf('Issuer')).toMatch(/https URL/);
    await page.getByLabel('Issuer', { exact: true }).fill('https://idp.example.com');
    await page.getByRole('button', { name: 'Add identity provider' }).click();
    const row = page.getByRole('row').filter({ hasText: 'https://idp.example.com' });
    await row.getByRole('cell', { name: 'stored', exact: true }).waitFor();
    // The markup is the row's text, not elements.
    await row.getByRole('cell', { name: MARKUP, exact: true }).waitFor();
    const created = (await admin.get('/api/v1/identity-providers')).items[0]!;
    expect(created).toMatchObject({ name: 'corp', client_id: 'portal-app', client_secret_set: true });

    // Edit: the secret field starts empty and says one is stored; saved empty, the secret stays.
    await page.getByRole('button', { name: 'Edit corp' }).click();
    // The edit form takes the focus, at its first field.
    await expect
      .poll(() =>
        page.evaluate<string>(
          '(document.activeElement instanceof HTMLInputElement && document.activeElement.value) || ""',
        ),
      )
      .toBe('corp');
    const secret = page.getByLabel('Client secret', { exact: true });
    expect(await secret.inputValue()).toBe('');
    expect(await page.content()).not.toContain(SECRET);
    await page.getByText('Write-only: one is stored; leave empty to keep.').waitFor();
    await page.getByLabel('Login button label').fill('Corp SSO');
    await page.getByLabel('Scopes').fill('openid email');
    await page.getByRole('button', { name: 'Save corp' }).click();
    await row.getByRole('cell', { name: 'Corp SSO', exact: true }).waitFor();
    expect(
      await admin.get('/api/v1/identity-providers/{identity_provider}', {
        params: { path: { identity_provider: created.id } },
      }),
    ).toMatchObject({ display_name: 'Corp SSO', scopes: ['openid', 'email'], client_secret_set: true });
    // Removing the secret is asked for explicitly.
    await page.getByRole('button', { name: 'Edit corp' }).click();
    await page.getByLabel('Remove the stored client secret').check();
    await page.getByRole('button', { name: 'Save corp' }).click();
    await row.getByRole('cell', { name: 'none', exact: true }).waitFor();
    await safeAndFits('admin-identity-providers');

    // Delete asks twice; the keyboard does it.
    await page.getByRole('button', { name: 'Delete corp' }).focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.evaluate<string>('document.activeElement?.textContent ?? ""'))
      .toBe('Confirm: delete corp');
    await page.keyboard.press('Enter');
    await page.getByText('No identity providers.').waitFor();
    expect((await admin.get('/api/v1/identity-providers')).items).toEqual([]);
  });

  it('removes a member from a group after asking, renames the group and deletes it', async () => {
    await admin.post('/api/v1/members', { body: { email: 'bob@localhost', role: 'member' } });
    const group = await admin.post('/api/v1/groups', { body: { name: 'ops' } });
    for (const email of [OWNER, 'bob@localhost']) {
      await admin.post('/api/v1/groups/{group}/members', {
        params: { path: { group: group.id } },
        body: { email },
      });
    }
    await open('/groups');
    const members = page.getByRole('list', { name: 'Members of ops' });
    await members.getByText('bob@localhost').waitFor();
    await page.getByRole('button', { name: 'Remove bob@localhost from ops' }).click();
    // Cancelled, nothing happens.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Remove bob@localhost from ops' }).click();
    await page.getByRole('button', { name: 'Confirm: remove bob@localhost from ops' }).click();
    await members.getByText('bob@localhost').waitFor({ state: 'detached' });
    expect(
      (await admin.get('/api/v1/groups/{group}', { params: { path: { group: group.id } } })).members.map(
        (m) => m.email,
      ),
    ).toEqual([OWNER]);

    await page.getByLabel('Group name').fill('Not A Name');
    await page.getByRole('button', { name: 'Rename' }).click();
    expect(await errorOf('Group name')).toMatch(/./);
    await page.getByLabel('Group name').fill('operators');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { name: 'operators' }).waitFor();
    await safeAndFits('admin-groups-edit');

    await page.getByRole('button', { name: 'Delete group operators' }).click();
    await page.getByRole('button', { name: 'Confirm: delete group operators' }).click();
    await page.getByText('No groups.').waitFor();
    expect((await admin.get('/api/v1/groups')).items).toEqual([]);
  });

  it('a service account’s page: tokens shown once and revoked, trusted web identities added and deleted', async () => {
    await open('/service-accounts');
    await page.getByLabel('Name', { exact: true }).fill('ci');
    await page.getByLabel('Role', { exact: true }).selectOption('read_only');
    await page.getByRole('button', { name: 'Create service account' }).click();
    await page.getByRole('link', { name: 'ci', exact: true }).click();
    await page.getByRole('heading', { name: 'Service account ci' }).waitFor();
    await page.getByText('No tokens.').waitFor();
    await page.getByText('No web identities.').waitFor();

    await page.getByLabel('Token name').fill('deploy');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByRole('status').filter({ hasText: 'shown once' });
    const token = (await shown.locator('code').textContent()) ?? '';
    expect(token.length).toBeGreaterThan(20);
    // The token works, then is revoked from the page.
    const ci = createClient({ baseUrl: api.url, token });
    await ci.get('/api/v1/sockets');
    await page.getByRole('cell', { name: 'deploy', exact: true }).waitFor();
    await open(page.url().replace(api.url, ''));
    expect(await page.content()).not.toContain(token);
    await page.getByRole('button', { name: 'Revoke deploy' }).click();
    await page.getByRole('button', { name: 'Confirm: revoke deploy' }).click();
    await page.getByText('No tokens.').waitFor();
    await expect(ci.get('/api/v1/sockets')).rejects.toMatchObject({ status: 401 });

    // A trusted web identity: the API's field error beside the field, then one with hostile text.
    await page.getByLabel('Web identity name').fill('github');
    await page.getByLabel('Issuer', { exact: true }).fill('http://token.example.com');
    await page.getByLabel('Audience').fill('https://border0.example.com');
    await page.getByLabel('Subject').fill(`repo:acme/app:${MARKUP}`);
    await page.getByLabel('Claims').fill('repository=acme/app');
    await page.getByRole('button', { name: 'Trust web identity' }).click();
    expect(await errorOf('Issuer')).toMatch(/https/);
    await page.getByLabel('Issuer', { exact: true }).fill('https://token.example.com');
    await page.getByRole('button', { name: 'Trust web identity' }).click();
    await page.getByRole('cell', { name: `repo:acme/app:${MARKUP}`, exact: true }).waitFor();
    await page.getByRole('cell', { name: 'repository=acme/app', exact: true }).waitFor();
    const account = (await admin.get('/api/v1/service-accounts')).items.find((s) => s.name === 'ci')!;
    const path = { service_account: account.id };
    expect(
      (await admin.get('/api/v1/service-accounts/{service_account}/web-identities', { params: { path } }))
        .items,
    ).toMatchObject([
      { name: 'github', issuer: 'https://token.example.com', claims: { repository: 'acme/app' } },
    ]);
    await safeAndFits('admin-service-account');

    await page.getByRole('button', { name: 'Delete github' }).click();
    await page.getByRole('button', { name: 'Confirm: stop trusting github' }).click();
    await page.getByText('No web identities.').waitFor();

    await open('/service-accounts');
    await page.getByRole('button', { name: 'Delete ci' }).click();
    await page.getByRole('button', { name: 'Confirm: delete ci and its tokens' }).click();
    await page.getByText('No service accounts.').waitFor();
  });

  it('sets a database upstream’s TLS and an HTTP upstream’s headers and TLS; the private key stays unseen and kept', async () => {
    const client = certificate('db-client');
    const ca = certificate('db-ca');
    await open('/sockets/new');
    await page.getByLabel('Type', { exact: true }).selectOption('database');
    await page.getByLabel('Name', { exact: true }).fill('pg');
    await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
    await page.getByLabel('Login to the upstream').selectOption('tls');
    await page.getByLabel('Upstream user').fill('app');
    await page.getByLabel('TLS to the database').selectOption('ca');
    await page.getByLabel('CA certificate').fill(ca.cert);
    await page.getByLabel('Client certificate', { exact: true }).fill(client.cert);
    await page.getByRole('button', { name: 'Create socket' }).click();
    // Without its key the client certificate is refused, the error beside the key's field.
    expect(await errorOf('Client certificate private key')).toMatch(/required/);
    await page.getByLabel('Client certificate private key').fill(client.key);
    await page.getByRole('button', { name: 'Create socket' }).click();
    await page.waitForURL(/\/sockets\/[0-9a-f-]{36}$/);
    const pgId = new URL(page.url()).pathname.split('/')[2]!;
    const pg = () => admin.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'pg' } } });
    expect((await pg()).upstream_configuration).toMatchObject({
      authentication_type: 'tls',
      private_key_set: true,
      tls: {
        enabled: true,
        verify: 'ca',
        ca_certificate: ca.cert.trim(),
        client_certificate: client.cert.trim(),
      },
    });

    // Edited: the key's field is empty and says so; left empty, the stored key stays.
    await open(`/sockets/${pgId}/edit`);
    expect(await page.getByLabel('TLS to the database').inputValue()).toBe('ca');
    expect(await page.getByLabel('Client certificate private key').inputValue()).toBe('');
    await page
      .getByText(/Write-only: leave empty to keep the stored one\./)
      .first()
      .waitFor();
    expect(await page.content()).not.toContain('PRIVATE KEY-----');
    await page.getByLabel('TLS to the database').selectOption('full');
    await page.getByRole('button', { name: 'Save socket' }).click();
    await page.waitForURL(`${api.url}/sockets/${pgId}`);
    expect((await pg()).upstream_configuration).toMatchObject({
      private_key_set: true,
      tls: { enabled: true, verify: 'full', client_certificate: client.cert.trim() },
    });
    await open(`/sockets/${pgId}/edit`);
    await safeAndFits('admin-socket-form-database-tls');

    // An HTTPS upstream: headers, verification against a private CA, the name to check.
    await open('/sockets/new');
    await page.getByLabel('Name', { exact: true }).fill('intranet');
    await page.getByLabel('Scheme').selectOption('https');
    await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
    await page.getByLabel('Port', { exact: true }).fill('8443');
    await page.getByLabel('Headers').fill(`x-team: ops\nx-note: ${MARKUP}`);
    await page.getByLabel('Verify the certificate').selectOption('full');
    await page.getByLabel('CA certificate').fill(ca.cert);
    await page.getByLabel('Server name').fill('bad name');
    await page.getByRole('button', { name: 'Create socket' }).click();
    expect(await errorOf('Server name')).toMatch(/./);
    await page.getByLabel('Server name').fill('intranet.lab');
    await page.getByRole('button', { name: 'Create socket' }).click();
    await page.waitForURL(/\/sockets\/[0-9a-f-]{36}$/);
    const webId = new URL(page.url()).pathname.split('/')[2]!;
    const web = () => admin.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'intranet' } } });
    expect((await web()).upstream_configuration).toMatchObject({
      scheme: 'https',
      headers: { 'x-team': 'ops', 'x-note': MARKUP },
      tls: { verify: 'full', ca_certificate: ca.cert.trim(), server_name: 'intranet.lab' },
    });
    // The edit form shows them back (as text), and an edit keeps them.
    await open(`/sockets/${webId}/edit`);
    expect((await page.getByLabel('Headers').inputValue()).split('\n').sort()).toEqual([
      `x-note: ${MARKUP}`,
      'x-team: ops',
    ]);
    expect(await page.getByLabel('Server name').inputValue()).toBe('intranet.lab');
    await page.getByLabel('Verify the certificate').selectOption('ca');
    await safeAndFits('admin-socket-form-http-tls');
    await page.getByRole('button', { name: 'Save socket' }).click();
    await page.waitForURL(`${api.url}/sockets/${webId}`);
    expect((await web()).upstream_configuration).toMatchObject({
      headers: { 'x-team': 'ops' },
      tls: { verify: 'ca', server_name: 'intranet.lab' },
    });
    expect(refused).toEqual([]);
    expect(consoleErrors.filter((e) => !/status of (400|401|404)/.test(e))).toEqual([]);
  });
});
