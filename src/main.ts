import type { System } from './system.js';

/** Upper bound for a graceful stop; past it the process exits non-zero rather than hang a supervisor. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * The process entry point. The signal handlers come first, before any module of the system is even
 * loaded: a SIGTERM or SIGINT during start-up (opening storage, unlocking the key, resuming engines)
 * must end in a clean shutdown with exit 0, not in the default action that kills the process with
 * engines half-started. A signal during start-up is remembered; start-up stops at the next step and
 * whatever was built is closed (engines first, see `System.close`).
 */
let system: System | undefined;
let signalled: string | null = null;
let stopping = false;

function onSignal(signal: string): void {
  if (signalled !== null) return;
  signalled = signal;
  const timer = setTimeout(() => {
    process.stderr.write('Graceful shutdown timed out\n');
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS);
  timer.unref();
  if (system) void shutdown(system);
  // Otherwise start-up is still running: it sees `signalled` and shuts down as soon as it can.
}

async function shutdown(running: System): Promise<void> {
  if (stopping) return;
  stopping = true;
  running.logger.info({ signal: signalled }, 'shutting down');
  try {
    await running.close();
    process.exit(0);
  } catch (error) {
    process.stderr.write(`Shutdown failed: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGINT', () => onSignal('SIGINT'));

async function main(): Promise<void> {
  // The first line of output: from here on a signal shuts down cleanly (tests and supervisors can tell).
  process.stdout.write(`CTS starting (pid ${process.pid})\n`);
  const [{ loadConfig }, { CtsError }, { createSystem }] = await Promise.all([import('./config/config.js'), import('./domain/errors.js'), import('./system.js')]);
  try {
    if (signalled !== null) process.exit(0); // nothing was opened yet
    const config = loadConfig();
    system = await createSystem(config);
    if (signalled !== null) return await shutdown(system);
    const url = await system.listen({ stopRequested: () => signalled !== null });
    if (signalled !== null) return await shutdown(system);
    process.stdout.write(`CTS listening on ${url} (storage: ${system.store.location})\n`);
  } catch (error) {
    const message = error instanceof CtsError ? error.message : `Startup failed: ${(error as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
}

await main();
