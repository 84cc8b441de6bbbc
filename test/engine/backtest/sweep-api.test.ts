import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strategyTemplate } from '../../../src/strategies-loader/template.js';
import { StrategyFolder } from '../../strategies-loader/strategy-files.js';
import { startTempSystem, type TempSystem } from '../../support/temp-system.js';
import { BUNDLED } from './support.js';

type Json = Record<string, unknown>;

describe('an API sweep of a strategy file (real server, real HTTP)', () => {
  const folder = new StrategyFolder();
  let temp: TempSystem;
  let url: string;

  const get = async (path: string): Promise<{ status: number; json: Json }> => {
    const res = await fetch(`${url}${path}`);
    return { status: res.status, json: (await res.json()) as Json };
  };

  beforeAll(async () => {
    folder.write('my-idea.ts', strategyTemplate('my-idea'));
    temp = await startTempSystem({ CTS_STRATEGIES_DIR: folder.dir });
    url = await temp.system.listen();
  });

  afterAll(async () => {
    await temp.close();
    folder.remove();
  });

  it('runs on worker threads while the server keeps answering other requests', async () => {
    const periods = Array.from({ length: 40 }, (_, k) => k + 2);
    const body = { strategy: 'my-idea', data: BUNDLED, grid: { period: periods }, rank: 'netProfit', workers: 1 };
    const started = await fetch(`${url}/api/backtests/sweeps`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    let answeredWhileRunning = 0;
    let run: Json = {};
    for (let k = 0; k < 20_000; k++) {
      const health = await get('/healthz');
      run = (await get(`/api/backtests/${id}`)).json;
      // Answered before this status read, which shows the sweep between combinations: so before it ended.
      const progress = run.progress as { done: number; total: number } | null;
      const midway = run.status === 'running' && progress !== null && progress.done > 0 && progress.done < progress.total;
      if (health.status === 200 && midway) answeredWhileRunning++;
      if (run.status === 'completed' || run.status === 'failed') break;
    }
    expect(run.status, String(run.error)).toBe('completed');
    expect(answeredWhileRunning).toBeGreaterThan(0);
    const result = run.result as { ranOn: string; workers: number; results: unknown[] };
    expect(result.ranOn).toBe('worker-threads');
    expect(result.workers).toBe(1);
    expect(result.results).toHaveLength(40);
  });
});
