import { ensureUiBuilt } from './e2e/support/browser.js';
import preflight from './preflight.js';

/**
 * Runs once before any worker starts: first the pre-flight (Chromium, PostgreSQL, Redis), then the UI
 * build, once, so parallel browser tests never build it at the same time.
 */
export default async function setup(): Promise<void> {
  await preflight();
  ensureUiBuilt();
}
