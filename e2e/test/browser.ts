/**
 * Headless Chromium (Debian's, driven by playwright-core) with no route to the internet: every request to a
 * host other than loopback is aborted and remembered, so a test can show that a page loaded nothing from
 * outside.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  // Never skipped: without Chromium the suite fails, and says how to get it.
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-packages.sh (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|[a-z0-9-]+\.localhost)$/;

/** A context (a browser with no cookies yet) whose requests outside loopback are aborted and listed. */
export async function offlineContext(
  browser: Browser,
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; refused: string[] }> {
  const context = await browser.newContext({ viewport });
  const refused: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if ((url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK.test(url.hostname)) {
      return route.continue();
    }
    if (url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    refused.push(url.href);
    return route.abort('internetdisconnected');
  });
  return { context, refused };
}

/** Where the browser suites save a screenshot of each main page (kept out of git). */
export const SHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url));
mkdirSync(SHOTS, { recursive: true });
