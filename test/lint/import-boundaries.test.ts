import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layering rule in `npm run lint`, run through ESLint's API with the project's own config on
 * small files placed (virtually) in each layer: every boundary must fire on a violation and stay quiet
 * on an allowed import, so the rule cannot silently stop working.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'cts/layer-boundaries').map((m) => m.message);
}

describe('import boundaries', () => {
  it('domain imports nothing of ours outside domain', async () => {
    const errors = await boundaryErrors('src/domain/fixture.ts', "import type { Exchange } from '../exchanges/exchange.port.js';\nexport type X = Exchange;\n");
    expect(errors).toEqual(['domain: src/domain/fixture.ts may import only src/domain/ of ours, not src/exchanges/exchange.port.js.']);
    expect(await boundaryErrors('src/domain/fixture.ts', "import { Dec } from './money.js';\nimport { z } from 'zod';\nexport const x = [Dec, z];\n")).toEqual([]);
  });

  it('a dynamic import or a re-export counts too', async () => {
    const code = "export { Portfolio } from '../engine/accounting/portfolio.js';\nexport const load = () => import('../store/database.js');\n";
    expect(await boundaryErrors('src/domain/fixture.ts', code)).toHaveLength(2);
  });

  it('engine never imports the server, the store or driver packages', async () => {
    const code = [
      "import type { FastifyInstance } from 'fastify';",
      "import type { Kysely } from 'kysely';",
      "import { Pool } from 'pg';",
      "import { Redis } from 'ioredis';",
      "import Database from 'better-sqlite3';",
      "import ccxt from 'ccxt';",
      "import websocket from '@fastify/websocket';",
      "import { buildApp } from '../../server/app.js';",
      "import { openStore } from '../../store/database.js';",
      "import { CcxtExchange } from '../../exchanges/ccxt/ccxt-exchange.js';",
      'export const all = [Pool, Redis, Database, ccxt, websocket, buildApp, openStore, CcxtExchange];',
      'export type T = FastifyInstance | Kysely<unknown>;',
    ].join('\n');
    const errors = await boundaryErrors('src/engine/runtime/fixture.ts', code);
    expect(errors).toHaveLength(10);
    expect(errors).toContain('engine: src/engine/runtime/fixture.ts must not import the package kysely.');
    expect(errors).toContain('engine: src/engine/runtime/fixture.ts must not import src/store/database.js.');
    const allowed = "import type { Exchange } from '../../exchanges/exchange.port.js';\nimport type { OrderRecord } from '../../domain/orders.js';\nexport type T = Exchange | OrderRecord;\n";
    expect(await boundaryErrors('src/engine/runtime/fixture.ts', allowed)).toEqual([]);
  });

  it('ratelimit never imports exchanges (exchanges may import ratelimit)', async () => {
    const errors = await boundaryErrors('src/ratelimit/fixture.ts', "import { exchangeLimitProfiles } from '../exchanges/profiles/limit-profiles.js';\nexport const p = exchangeLimitProfiles;\n");
    expect(errors).toEqual(['ratelimit: src/ratelimit/fixture.ts must not import src/exchanges/profiles/limit-profiles.js.']);
    expect(await boundaryErrors('src/exchanges/fixture.ts', "import { RateLimiter } from '../ratelimit/limiter.js';\nexport const r = RateLimiter;\n")).toEqual([]);
  });

  it('web imports only src/domain and its own code', async () => {
    const code = "import type { EngineRecord } from '../../../src/engine/runtime/ports.js';\nexport type R = EngineRecord;\n";
    expect(await boundaryErrors('web/src/api/fixture.ts', code)).toEqual([
      'web: web/src/api/fixture.ts may import only web/, src/domain/ of ours, not src/engine/runtime/ports.js.',
    ]);
    const allowed = "import type { EngineStatus } from '../../../src/domain/engine-status.js';\nimport { describeError } from './client';\nexport type S = EngineStatus;\nexport const d = describeError;\n";
    expect(await boundaryErrors('web/src/api/fixture.ts', allowed)).toEqual([]);
  });

  it('files outside the governed layers are not checked', async () => {
    expect(await boundaryErrors('test/engine/fixture.ts', "import { buildApp } from '../../src/server/app.js';\nexport const a = buildApp;\n")).toEqual([]);
  });
});
