import { CandleCursor, CandleSeries, type Candle } from '../../../src/domain/candles.js';
import {
  FLAT_POSITION,
  freezeSnapshot,
  type Intent,
  type Strategy,
  type StrategyFill,
  type StrategyOrder,
  type StrategyPosition,
  type StrategySnapshot,
} from '../../../src/engine/strategy.js';
import type { Market } from '../../../src/exchanges/exchange.port.js';

const HOUR = 3_600_000;

/** Candles whose open/high/low/close all equal the given closes (enough for close-driven strategies). */
export function candlesFromCloses(closes: readonly (number | string)[], start = 1_700_000_000_000): Candle[] {
  return closes.map((c, i) => {
    const text = String(c);
    return { time: start + i * HOUR, open: text, high: text, low: text, close: text, volume: '1' };
  });
}

export interface StepState {
  position?: StrategyPosition;
  openOrders?: StrategyOrder[];
  fills?: StrategyFill[];
  market?: Market;
}

/** Drives one strategy candle by candle with hand-set state, recording the intents per candle index. */
export class StrategyHarness {
  readonly cursor: CandleCursor;
  readonly intents = new Map<number, readonly Intent[]>();

  constructor(
    readonly strategy: Strategy,
    candles: readonly Candle[],
  ) {
    this.cursor = new CandleCursor(CandleSeries.from(candles));
  }

  snapshot(state: StepState = {}): StrategySnapshot {
    const candles = this.cursor.window;
    return freezeSnapshot({
      symbol: 'BTC/USDT',
      time: candles.length > 0 ? candles.time(candles.last) + HOUR : 0,
      candles,
      ticker: null,
      market: state.market ?? null,
      position: state.position ?? FLAT_POSITION,
      openOrders: state.openOrders ?? [],
      fills: state.fills ?? [],
      balance: { base: { asset: 'BTC', free: '0', total: '0' }, quote: { asset: 'USDT', free: '1000', total: '1000' } },
      warmingUp: false,
    });
  }

  /** Shows the next candle and calls onCandle. */
  step(state: StepState = {}): readonly Intent[] {
    this.cursor.showUntil(this.cursor.position + 1);
    const result = this.strategy.onCandle(this.snapshot(state));
    if (result.length > 0) this.intents.set(this.cursor.position - 1, result);
    return result;
  }

  /** Runs every remaining candle, holding a long position after an enter and going flat after an exit. */
  runToEnd(): void {
    let position: StrategyPosition = FLAT_POSITION;
    while (this.cursor.position < this.cursor.series.length) {
      for (const intent of this.step({ position })) {
        if (intent.kind === 'enter') position = { side: 'long', quantity: '1', averageEntryPrice: '1' };
        if (intent.kind === 'exit') position = FLAT_POSITION;
      }
    }
  }
}
