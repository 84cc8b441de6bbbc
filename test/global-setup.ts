import { ensureUiBuilt } from './e2e/support/browser.js';

/** Builds the web UI once, before any worker starts, so parallel browser tests never build it at the same time. */
export default function setup(): void {
  ensureUiBuilt();
}
