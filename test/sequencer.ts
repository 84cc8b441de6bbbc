import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The suite's slowest files, slowest first, as a full run on 2 cores measured them (seconds in the
 * comments). Vitest orders by its own cache of durations, which a clean clone (CI) does not have, so
 * it ran them in discovery order and left one worker idle behind a long file at the end. Started
 * first, the long files overlap with each other and the many short ones fill in behind. Only an order:
 * a file missing here runs after these, as before.
 */
const SLOWEST_FIRST = [
  'test/engine/runtime/live-engine.simulator.test.ts', // 117
  'test/engine/crash-safety.exchanges.test.ts', // 89
  'test/process/server-restart.test.ts', // 85
  'test/engine/pairs/multi-pair-feed.simulator.test.ts', // 77
  'test/exchanges/ccxt-simulator.contract.test.ts', // 77
  'test/engine/runtime/base-fee-dust.simulator.test.ts', // 59
  'test/process/rate-limit-restart.test.ts', // 49
  'test/process/start-guards.test.ts', // 47
  'test/process/build-and-start.test.ts', // 34
  'test/engine/crash-safety.test.ts', // 33
  'test/soak/trading-soak.bybit.test.ts', // 31
  'test/cli/backup.test.ts', // 29
  'test/security/key-race.test.ts', // 27
  'test/soak/trading-soak.binance.test.ts', // 26
  'test/scale-out/control-forwarding.test.ts', // 18
  'test/simulator/cli.test.ts', // 18
  'test/strategies-loader/tutorial.test.ts', // 17
  'test/scale-out/three-processes.test.ts', // 16
  'test/engine/runtime/outage.simulator.test.ts', // 15
  'test/process/postgres-outage.test.ts', // 15
  'test/e2e/trading.e2e.test.ts', // 13
  'test/e2e/backtests.e2e.test.ts', // 13
  'test/process/shutdown-order.test.ts', // 12
  'test/cli/backtest-perpetual.test.ts', // 12
  'test/engine/runtime/late-create.simulator.test.ts', // 12
  'test/engine/backtest/sweep.test.ts', // 10
  'test/engine/backtest/sweep-file-strategy.test.ts', // 9
  'test/connections/batch-test.api.test.ts', // 9
  'test/e2e/connections.e2e.test.ts', // 9
  'test/cli/backtest-balance.test.ts', // 9
];

const RANK = new Map(SLOWEST_FIRST.map((file, i) => [file, i]));

export class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const byDefault = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const relative = spec.moduleId.slice(spec.project.config.root.length).replace(/^\/+/, '');
      return RANK.get(relative) ?? SLOWEST_FIRST.length;
    };
    // Array.prototype.sort is stable: files of equal rank keep the default order.
    return byDefault.sort((a, b) => rank(a) - rank(b));
  }
}
