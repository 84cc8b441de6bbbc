import { defaultTarget, formatPreflight, realProbes, runPreflight } from './support/preflight.js';

/**
 * First vitest global setup: checks Chromium, PostgreSQL and Redis (starting the local services when
 * they are installed but stopped) and stops the run at once, with one message naming each missing
 * piece and its install command, instead of letting dozens of tests fail on connection errors.
 */
export default async function preflight(): Promise<void> {
  const { missing, started } = await runPreflight(realProbes, defaultTarget());
  if (started.length > 0) process.stderr.write(`pre-flight: started the local ${started.join(' and ')}\n`);
  if (missing.length === 0) return;
  process.stderr.write(`\n${formatPreflight(missing)}\n\n`);
  // Exiting here rather than throwing: a thrown error would bury the message under vitest's stack trace.
  process.exit(1);
}
