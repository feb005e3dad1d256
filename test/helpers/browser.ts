/**
 * A real headless browser for dashboard tests: Debian's chromium driven by playwright-core (no browser
 * download). Screenshots go under build/ for people to look at after a run.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { REPO } from './paths.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Null when the browser is installed, else what is missing and how to install it (for `skipOrFail`). */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `no ${CHROMIUM}: install it with apt-get install -y chromium`;
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 });
}

/** A page whose script errors and failed requests are collected, to assert there were none. */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('requestfailed', (r) => {
    // An event stream is cut when the page navigates away: not a failure.
    if (!r.url().endsWith('/api/events')) errors.push(`request failed: ${r.url()}`);
  });
  return { page, errors };
}

/** Where a test keeps its screenshots: build/screenshots/<suite>/. */
export function screenshotDir(suite: string): string {
  const dir = join(REPO, 'build', 'screenshots', suite);
  mkdirSync(dir, { recursive: true });
  return dir;
}
