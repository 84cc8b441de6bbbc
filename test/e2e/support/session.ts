import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../support/server-process.js';
import { VIEWPORTS, ensureUiBuilt, launchBrowser, screenshotBoth } from './browser.js';

export interface E2eSession {
  server: ServerProcess;
  browser: Browser;
  page: Page;
}

/**
 * For the enclosing `describe`: the real server on a fresh data dir and temp port, and one Chromium
 * page on it. `env` is read when the server starts (after earlier `beforeAll`s, e.g. a simulator's). `pageErrors` collects every uncaught error in the page. Everything is torn down after.
 */
export function useE2eSession(
  prefix: string,
  env: () => Record<string, string> = () => ({}),
): { current: () => E2eSession; pageErrors: string[] } {
  let session: E2eSession | undefined;
  let dataDir: string | undefined;
  const pageErrors: string[] = [];
  beforeAll(async () => {
    ensureUiBuilt();
    dataDir = mkdtempSync(path.join(os.tmpdir(), prefix));
    const server = await startServerProcess({ CTS_DATA_DIR: dataDir, ...env() });
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    session = { server, browser, page };
  }, 180_000);
  afterAll(async () => {
    await session?.browser.close();
    await session?.server.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    pageErrors,
    current: () => {
      if (!session) throw new Error('the e2e session starts in beforeAll');
      return session;
    },
  };
}

/** Full-page shots from the top (the sticky top bar would otherwise land mid-page). */
export async function shootFromTop(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshotBoth(page, name, options);
}
