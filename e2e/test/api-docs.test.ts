/**
 * The API reference renders with no route to the internet: `border0 start` serves it, with its script, from
 * its own origin, and a headless Chromium whose every request outside loopback is aborted shows the operations.
 */
import { join } from 'node:path';
import { type Platform, startPlatform, tempDir } from '@border0/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser, offlineContext, SHOTS } from './browser.js';

let api: Platform;
let browser: Browser;

beforeAll(async () => {
  api = await startPlatform(['--data-dir', tempDir('api-docs'), '--no-proxy'], {
    BORDER0_CONFIG_DIR: tempDir('api-docs-config'),
  });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

it('renders the API reference and its operations offline, asking nothing of the internet', async () => {
  const { context, refused } = await offlineContext(browser);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy/.test(message.text())) errors.push(message.text());
  });
  await page.goto(`${api.url}/api/docs`);
  // An operation's summary, from the spec, rendered by the bundle under its tag in the menu.
  await page.getByText('Sockets', { exact: true }).first().click({ timeout: 30_000 });
  await page.getByText('List sockets', { exact: true }).first().waitFor();
  await page.screenshot({ path: join(SHOTS, 'api-docs.png') });
  expect(refused).toEqual([]);
  expect(errors).toEqual([]);
  await context.close();
}, 60_000);
