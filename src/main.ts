import { loadConfig } from './config/config.js';
import { CtsError } from './domain/errors.js';
import { createSystem, type System } from './system.js';

/** Upper bound for a graceful stop; past it the process exits non-zero rather than hang a supervisor. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  let system: System;
  try {
    const config = loadConfig();
    system = await createSystem(config);
    const url = await system.listen();
    process.stdout.write(`CTS listening on ${url} (storage: ${system.store.location})\n`);
  } catch (error) {
    const message = error instanceof CtsError ? error.message : `Startup failed: ${(error as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    system.logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      process.stderr.write('Graceful shutdown timed out\n');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    system
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`Shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

await main();
