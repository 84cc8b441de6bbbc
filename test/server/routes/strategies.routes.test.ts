import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTempSystem, type TempSystem } from '../../support/temp-system.js';
import { StrategyFolder, strategySource } from '../../strategies-loader/strategy-files.js';

type Json = Record<string, unknown>;
interface Catalog {
  strategies: { id: string; name: string; source: { kind: string; file?: string } }[];
  problems: { file: string; kind: string; line?: number; message: string }[];
  directory: string;
}

/** A size far below any minimum: every intent is refused by risk, and the refusal event carries the intent's reason (the code version). */
const TINY = { sizeQuote: '0.0000001' };

describe('strategies API through real HTTP (temp system, strategy files in a temp folder)', () => {
  const folder = new StrategyFolder();
  let temp: TempSystem;
  let url: string;

  const api = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) as Json };
  };

  /** The reasons of the intents risk refused for this engine, oldest first. */
  const refusedReasons = async (engineId: string): Promise<string[]> => {
    const sse = (await api('GET', `/api/trade-engine/events?engineId=${engineId}&follow=false`)).text;
    return [...sse.matchAll(/^data: (.*)$/gm)]
      .map((m) => JSON.parse(m[1] ?? '{}') as { type?: string; payload?: { intent?: { reason?: string } } })
      .filter((e) => e.type === 'risk.rejected')
      .map((e) => e.payload?.intent?.reason ?? '');
  };

  const until = async (check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    folder.write('probe.ts', strategySource('probe', 'v1'));
    folder.write('broken.ts', "import { defineStrategy } from 'cts/strategy';\n\nexport default defineStrategy({ id: 'broken', \n");
    temp = await startTempSystem({ CTS_STRATEGIES_DIR: folder.dir });
    url = await temp.system.listen();
  });

  afterAll(async () => {
    await temp.close();
    folder.remove();
  });

  it('lists built-ins and file strategies with their source, and the broken file with file and line (also in the log)', async () => {
    const res = await api('GET', '/api/strategies');
    expect(res.status).toBe(200);
    const catalog = res.json() as unknown as Catalog;
    expect(catalog.directory).toBe(folder.dir);
    expect(catalog.strategies.find((s) => s.id === 'probe')).toMatchObject({ name: 'Probe v1', source: { kind: 'file', file: 'probe.ts' } });
    expect(catalog.strategies.find((s) => s.id === 'sma-crossover')?.source).toEqual({ kind: 'built-in' });
    expect(catalog.problems).toEqual([{ file: 'broken.ts', kind: 'compile', line: 4, column: 1, message: expect.stringContaining('Expected') }]);
    expect(temp.logs.text).toMatch(/strategy file not loaded: broken\.ts:4:1/);
  });

  it('offers file strategies to the engine start form and the backtest catalog', async () => {
    const engine = (await api('GET', '/api/trade-engine/strategies')).json().items as { id: string }[];
    expect(engine.map((s) => s.id)).toContain('probe');
    const backtests = (await api('GET', '/api/backtests/catalog')).json().strategies as { id: string }[];
    expect(backtests.map((s) => s.id)).toContain('probe');
  });

  it('backtests a file strategy through the backtest API', async () => {
    const started = await api('POST', '/api/backtests', { strategy: 'probe', params: { sizeQuote: '50' }, data: { source: 'bundled', file: 'XRP_USDT_USDT-1h-futures.csv' } });
    expect(started.status).toBe(202);
    const id = String(started.json().id);
    let view: Json = {};
    await until(async () => {
      view = (await api('GET', `/api/backtests/${id}`)).json();
      return view.status === 'completed' || view.status === 'failed';
    });
    expect(view.status, String(view.error)).toBe('completed');
    expect(view.strategy).toBe('probe');
    expect((view.summary as { tradeCount: number }).tradeCount).toBeGreaterThan(0);
  });

  it('has no route to upload a strategy', async () => {
    expect((await api('POST', '/api/strategies', { file: 'x.ts', code: 'export default 1' })).status).toBe(404);
  });

  it('reload picks up a changed and a new file; a running engine keeps its code until restarted', async () => {
    const connectionId = String((await api('POST', '/api/settings/connections', { name: 'Reload replay', exchange: 'binance', marketTypes: ['spot'], mode: 'replay', enabled: true })).json().id);
    // The bot is named after its connection, so a second start is the same bot again.
    const start = () => api('POST', '/api/trade-engine/start', { connectionId, engineId: connectionId, strategy: 'probe', params: TINY, symbol: 'XRP/USDT', options: { replaySpeed: 4 } });
    expect((await start()).status).toBe(200);
    await until(async () => (await refusedReasons(connectionId)).length > 0);

    folder.write('probe.ts', strategySource('probe', 'v2'));
    folder.write('fresh.ts', strategySource('fresh'));
    expect((await api('POST', '/api/strategies/reload')).status).toBe(400); // a body is required
    const reloaded = await api('POST', '/api/strategies/reload', {});
    expect(reloaded.status).toBe(200);
    const catalog = reloaded.json() as unknown as Catalog;
    expect(catalog.strategies.find((s) => s.id === 'probe')?.name).toBe('Probe v2');
    expect(catalog.strategies.map((s) => s.id)).toContain('fresh');

    const before = (await refusedReasons(connectionId)).length;
    await until(async () => (await refusedReasons(connectionId)).length >= before + 2);
    expect((await api('GET', `/api/trade-engine/status/${connectionId}`)).json().state).toBe('running');
    expect(new Set(await refusedReasons(connectionId))).toEqual(new Set(['v1']));

    expect((await api('POST', '/api/trade-engine/stop', { engineId: connectionId })).status).toBe(200);
    const seen = (await refusedReasons(connectionId)).length;
    expect((await start()).status).toBe(200);
    await until(async () => (await refusedReasons(connectionId)).length > seen);
    expect((await refusedReasons(connectionId)).slice(seen).every((r) => r === 'v2')).toBe(true);
    expect((await api('POST', '/api/trade-engine/stop', { engineId: connectionId })).status).toBe(200);
  });
});
