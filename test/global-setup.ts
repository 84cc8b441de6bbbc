import { ensureUiBuilt } from './e2e/support/browser.js';
import preflight from './preflight.js';
import { buildForTests } from './support/test-build.js';

/**
 * Runs once before any worker starts: first the pre-flight (Chromium, PostgreSQL, Redis), then the UI
 * build, once, so parallel browser tests never build it at the same time, and the JavaScript build
 * every child process of the suite starts from.
 */
export default async function setup(): Promise<void> {
  await preflight();
  ensureUiBuilt();
  buildForTests();
}
