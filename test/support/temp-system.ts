import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createSystem, type System } from '../../src/system.js';

/** Collects every log line the system writes, so tests can grep them for secrets. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface TempSystem {
  system: System;
  config: Config;
  logs: LogCapture;
  dataDir: string;
  close(): Promise<void>;
}

export function makeTempDir(prefix = 'cts-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A real system (real SQLite in a temp dir, real Fastify) for in-process API tests. */
export async function startTempSystem(env: Record<string, string> = {}): Promise<TempSystem> {
  const dataDir = env.CTS_DATA_DIR ?? makeTempDir();
  const config = loadConfig({
    CTS_DATA_DIR: dataDir,
    // Any free port: tests never take 3000 from a running CTS (or from each other).
    CTS_PORT: '0',
    CTS_LOG_LEVEL: 'info',
    CTS_DEMO_CONNECTION: 'false',
    CTS_EXCHANGE_PROXY_URL: 'http://127.0.0.1:1/',
    ...env,
  });
  const logs = new LogCapture();
  const system = await createSystem(config, { logDestination: logs });
  return {
    system,
    config,
    logs,
    dataDir,
    async close() {
      await system.close();
      if (!env.CTS_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
