import type { DecimalString } from '../../domain/money.js';
import type { Market } from '../../exchanges/exchange.port.js';
import type { FeeAssets } from '../../exchanges/simulated/fill-simulator.js';
import type { CandleSeries } from '../../domain/candles.js';
import type { RiskConfig } from '../risk.js';
import type { StrategyDefinition } from '../strategy.js';
import { MultiPairRunner, type MultiPairOutcome } from './multi-runner.js';
import type { PairLane } from './pair-lane.js';
import type { PerpetualData } from './perpetual-data.js';

export type { RunEvent } from './run-events.js';

/**
 * A single-pair backtest: the strategy API (strategy.ts), risk gate (risk.ts), position ledger
 * (accounting/) and fill simulator (exchanges/simulated/fill-simulator.ts), driven candle by candle
 * over history — the same pieces the live engine uses, with no second fill model. It is the run of
 * one pair (multi-runner.ts, its steps in pair-lane.ts), so one and several pairs share one loop.
 *
 * For each candle i: the simulator matches orders placed at or before candle i−1 against candle i (so
 * an order never fills on the candle it was decided on), the ledger applies the fills, equity is marked
 * at candle i's close, and then the strategy sees candles [0, i] and its intents go through risk to the
 * simulator. Candles before `start` only warm the strategy up (its intents are discarded).
 *
 * Hot-path budget is about 1 µs per candle, so a candle with no fills costs no decimal arithmetic: the
 * equity is marked in doubles and the exact decimal state is kept per fill ("epoch") for the report.
 */

export interface BacktestRunInput {
  definition: StrategyDefinition;
  params: unknown;
  series: CandleSeries;
  market: Market;
  timeframe: string;
  /** Index of the first traded candle; candles before it only warm the strategy up. */
  start: number;
  /** One past the last candle. */
  end: number;
  startingBalance: DecimalString;
  feeRate: DecimalString;
  /** The asset each side's fee is taken from (the venue's rule). Default quote on both sides. */
  feeAssets?: FeeAssets;
  slippageBps: DecimalString;
  risk: RiskConfig;
  /** A perpetual's funding rates and mark prices. */
  perpetual?: PerpetualData;
}

/** What a finished run hands to the report: the run of one pair, and that pair. */
export interface RunOutcome {
  input: BacktestRunInput;
  run: MultiPairOutcome;
  lane: PairLane;
}

export class BacktestRunner {
  readonly #in: BacktestRunInput;
  readonly #run: MultiPairRunner;

  constructor(input: BacktestRunInput) {
    this.#in = input;
    const { series, market, start, end, perpetual, ...settings } = input;
    // Client order ids stay `bt-<n>`, as strategies (and their cancels) have always seen them.
    this.#run = new MultiPairRunner({ ...settings, pairs: [{ series, market, start, end, idPrefix: 'bt', ...(perpetual ? { perpetual } : {}) }] });
  }

  /** Candles processed so far (warm-up included) and in total. */
  get progress(): { done: number; total: number } {
    return this.#run.progress;
  }

  get done(): boolean {
    return this.#run.done;
  }

  /** Runs up to `maxCandles` more candles; true when the run is complete. Lets callers yield between chunks. */
  advance(maxCandles = Number.POSITIVE_INFINITY): boolean {
    return this.#run.advance(maxCandles);
  }

  /** Runs to the end and returns what the report needs. */
  run(): RunOutcome {
    this.advance();
    return this.outcome();
  }

  outcome(): RunOutcome {
    const run = this.#run.outcome();
    return { input: this.#in, run, lane: run.lanes[0] as PairLane };
  }
}
