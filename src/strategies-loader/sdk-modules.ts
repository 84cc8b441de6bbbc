import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SdkModules } from './compile.js';

/**
 * The SDK modules of this very server: `.ts` sources when it runs from source (tsx, vitest), the
 * compiled `.js` under dist/ in production. Taken from this module's own extension, so a strategy file
 * always binds to the copy the engine runs.
 */
export function sdkModules(): SdkModules {
  const ext = path.extname(fileURLToPath(import.meta.url));
  return {
    strategy: fileURLToPath(new URL(`../sdk/strategy${ext}`, import.meta.url)),
    zod: fileURLToPath(new URL(`../sdk/zod${ext}`, import.meta.url)),
  };
}
