import type { InvariantId } from './invariants.js';

/**
 * Invariants that fail on the current code for the default seed, keyed by scenario, with the number
 * of the issue-12 defect that causes them. Their tests run as `it.fails`: when a fix makes one hold,
 * its test fails until its line here is removed. Three causes the soak found beyond the issue's list
 * are filed under the defect whose class they belong to (named in the comments):
 *  - ES-GIVES-UP (defect 1's class): an emergency stop whose cancel meets a transient error (429, a
 *    timeout) stops trying at once — the other orders stay open, the flatten is skipped — and ends
 *    `stopped` with only `engine.stop_problem` "open orders may remain".
 *  - ES-ON-ERROR (defect 1's class): an emergency stop with flatten on an engine in `error` only
 *    stores `stopped`; it cancels nothing and ignores `flatten` (EngineService #stopWithoutRunner).
 *  - START-TRANSIENT (defect 14's class): a transient fault during a start's reconcile or warm-up
 *    (here a timeout on the candles of the resume after kill -9) puts the engine in `error` at once,
 *    with no retry, and clears its resume flag.
 */
export const KNOWN_FAILURES: Readonly<Record<string, Partial<Record<InvariantId, number>>>> = {
  'binance/sma-crossover': {
    'no-stall': 2, // 0.0661 XRP of base-fee dust reads as "long 0.1": exits refused, entries never come
  },
  'binance/rsi-mean-reversion': {
    'no-stall': 2, // same dust stall
  },
  'binance/grid': {
    'ledger.base': 2, // sells of exactly the bought amount: 0.02 XRP of fee per buy accumulate as a phantom position
    'no-stall': 3, // the engine is dead after the 54 s outage: the tail never runs
    flatten: 1, // ES-GIVES-UP: a 429 on the first cancel skips the flatten; fills during the cancel never counted
    'es.cancels': 1, // ES-GIVES-UP
    recovers: 3, // 5 retries in ~12 s of a 54 s outage, then `error` for good
    'grid.levels': 10, // after kill -9 the new grid places a second buy at every level
  },
  'binance/dca': {
    'ledger.base': 2, // base fees kept as position
    'no-stall': 2, // take-profit keeps firing on dust ("amount is 0 after rounding"), so the scheduled buys never come
  },
  'bybit/sma-crossover': {
    'no-stall': 2, // 0.00000967 BTC of dust
  },
  'bybit/rsi-mean-reversion': {
    'no-stall': 2,
  },
  'bybit/grid': {
    'no-stall': 14, // START-TRANSIENT: the resume after kill -9 fails on one timeout, the tail never runs
    flatten: 1, // ES-GIVES-UP (a timed-out cancel)
    'es.cancels': 1, // ES-GIVES-UP
    recovers: 14, // START-TRANSIENT
    'grid.levels': 10, // the user's start after the emergency stop places a second buy at 57000 beside the one left open
  },
  'bybit/dca': {
    'no-stall': 2, // take-profit on dust blocks the buys
    flatten: 1, // ES-ON-ERROR: the engine was in `error` after the 52 s outage (defect 3); the flatten did nothing
  },
  'process/binance/grid': {
    'ledger.base': 2, // base fees of the grid's buys kept as position
    'grid.levels': 10, // after SIGTERM and after kill -9 the new grid re-places buys at levels it already holds
  },
};
