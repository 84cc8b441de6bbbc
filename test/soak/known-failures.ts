import type { InvariantId } from './invariants.js';

/**
 * Invariants that fail on the current code for the default seed, keyed by scenario, with the number
 * of the issue-12 defect that causes them. Their tests run as `it.fails`: when a fix makes one hold,
 * its test fails until its line here is removed. Three causes the soak found beyond the issue's list
 * are filed under the defect whose class they belong to (named in the comments):
 *  - ES-GIVES-UP (defect 1's class; not in the default seed's plan: SOAK_SEED=3 or 5, binance/grid): an
 *    emergency stop whose cancel meets a transient error (429, a timeout) stops trying at once — the
 *    other orders stay open, the flatten is skipped — and ends `stopped` with only
 *    `engine.stop_problem` "open orders may remain".
 *  - ES-ON-ERROR (defect 1's class): an emergency stop with flatten on an engine in `error` only
 *    stores `stopped`; it cancels nothing and ignores `flatten` (EngineService #stopWithoutRunner).
 *  - START-TRANSIENT (defect 14's class): a transient fault during a start's reconcile or warm-up
 *    (here a 503 or a timeout left over for the reconcile of the user's start after an emergency stop) puts the engine in `error` at once,
 *    with no retry, and clears its resume flag.
 */
export const KNOWN_FAILURES: Readonly<Record<string, Partial<Record<InvariantId, number>>>> = {
  'binance/sma-crossover': {
    'no-stall': 2, // 0.0661 XRP of base-fee dust reads as "long 0.1": the exit is refused, no entry ever comes
  },
  'binance/rsi-mean-reversion': {
    'no-stall': 3, // the engine is dead after a 32 s outage: the tail never runs
    recovers: 3, // 5 retries within ~12 s of engine time, then `error` for good
  },
  'binance/grid': {
    'ledger.base': 2, // 0.05 XRP of fee per buy; the grid sells exactly the bought amount: 0.8 XRP phantom position
    flatten: 1, // resting buys fill while cancelled; the flatten is sized before them: exchange holds 99.7, "flattened"
    'grid.levels': 10, // after SIGTERM the new grid places a second buy at levels it already holds
  },
  'binance/dca': {
    'ledger.base': 2, // base fees kept as position
    'no-stall': 14, // START-TRANSIENT: the user's start after the emergency stop meets one 503 and ends in `error`
    recovers: 14, // START-TRANSIENT
  },
  'bybit/sma-crossover': {
    'no-stall': 14, // START-TRANSIENT: one timed-out open-orders read in the start's reconcile → `error`
    recovers: 14, // START-TRANSIENT
  },
  'bybit/rsi-mean-reversion': {
    'no-stall': 3, // dead after a 45 s outage
    recovers: 3,
  },
  'bybit/grid': {
    flatten: 1, // ES-ON-ERROR: the engine was in `error` (58 s outage, defect 3); the flatten did nothing
    'es.cancels': 1, // ES-ON-ERROR: the resting buy at 57000 stays on the book
    'grid.levels': 10, // the user's start after that stop places a second buy at 57000 beside the one left open
  },
  'bybit/dca': {
    'no-stall': 2, // take-profit keeps firing on 0.0000065 BTC of dust ("amount is 0 after rounding"): buys never come
  },
  'process/binance/grid': {
    'ledger.base': 2, // base fees of the grid's buys kept as position
    'grid.levels': 10, // after SIGTERM and after kill -9 the new grid re-places buys at levels it already holds
  },
};
