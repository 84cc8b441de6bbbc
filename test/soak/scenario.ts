import { seededRandom } from '../../simulator/matching/price-path.js';

/**
 * The seeded scenario generator: one scenario per exchange × built-in strategy, each a list of
 * candle-indexed events (faults, an outage, emergency stops, restarts) drawn from one seed. The same
 * seed always gives the same scenarios (SOAK_SEED=<n> reproduces a failing run).
 */

/** The seed `npm test` runs; the known-failure list describes this seed. */
export const DEFAULT_SEED = 12;

export type SoakExchange = 'binance' | 'bybit';
export type SoakStrategy = 'sma-crossover' | 'rsi-mean-reversion' | 'grid' | 'dca';
/** Which request a fault hits. */
export type FaultTarget = 'create' | 'cancel' | 'fetchOrder' | 'openOrders' | 'trades' | 'candles';
/**
 * timeout: held until the client gives up, never processed; late: processed after the client gave up
 * (a timed-out create the exchange places anyway); 5xx: 503; 429: rate limited with Retry-After 1 s.
 */
export type FaultKind = 'timeout' | 'late' | '5xx' | '429';

export type SoakEvent =
  | { at: number; kind: 'fault'; target: FaultTarget; fault: FaultKind; times: number }
  | { at: number; kind: 'outage'; seconds: number }
  | { at: number; kind: 'emergencyStop'; flatten: boolean; /** Resting buys fill while the cancels are in flight. */ fillsDuringCancel: boolean; restartAfter: number }
  | { at: number; kind: 'restart'; how: 'sigterm' | 'kill9' };

export interface Scenario {
  seed: number;
  name: string;
  exchange: SoakExchange;
  strategy: SoakStrategy;
  symbol: string;
  params: Record<string, unknown>;
  /** Candles the harness steps in total. */
  candles: number;
  /** The last `tail` candles carry no event: the stall and recovery checks look there. */
  tail: number;
  events: SoakEvent[];
}

export const EXCHANGES: readonly SoakExchange[] = ['binance', 'bybit'];
export const STRATEGIES: readonly SoakStrategy[] = ['sma-crossover', 'rsi-mean-reversion', 'grid', 'dca'];

/** The markets: XRP/USDT on Binance (step 0.1), BTC/USDT on Bybit (step 0.00001). */
export const SYMBOL: Readonly<Record<SoakExchange, { symbol: string; centre: string; tickSize: string }>> = {
  binance: { symbol: 'XRP/USDT', centre: '0.6', tickSize: '0.00001' },
  bybit: { symbol: 'BTC/USDT', centre: '60000', tickSize: '0.01' },
};

const CANDLES = 110;
const TAIL = 40;
const TARGETS: readonly FaultTarget[] = ['create', 'cancel', 'fetchOrder', 'openOrders', 'trades', 'candles'];
const KINDS: readonly FaultKind[] = ['timeout', 'late', '5xx', '429'];

export function gridParams(exchange: SoakExchange): Record<string, unknown> {
  // Six levels over ±5 % of the centre; each buy is worth 12–30 USDT (above the 5 USDT minimum). On
  // Binance each buy leaves 0.05 XRP of fee: two of them are more than the 0.1 step.
  return exchange === 'binance'
    ? { lower: '0.57', upper: '0.63', levels: 6, sizePerLevel: '50' }
    : { lower: '57000', upper: '63000', levels: 6, sizePerLevel: '0.0002' };
}

function paramsFor(strategy: SoakStrategy, exchange: SoakExchange): Record<string, unknown> {
  switch (strategy) {
    case 'sma-crossover':
      return { fast: 2, slow: 4, sizeQuote: '20' };
    case 'rsi-mean-reversion':
      return { period: 4, oversold: 30, overbought: 70, sizeQuote: '20' };
    case 'grid':
      return gridParams(exchange);
    case 'dca':
      return { intervalCandles: 4, amountQuote: '15', takeProfitPct: 1.5 };
  }
}

export function scenarios(seed: number): Scenario[] {
  return EXCHANGES.flatMap((exchange) => STRATEGIES.map((strategy) => scenario(seed, exchange, strategy)));
}

export function scenario(seed: number, exchange: SoakExchange, strategy: SoakStrategy): Scenario {
  const name = `${exchange}/${strategy}`;
  const random = seededRandom((seed * 1_000_003 + hash(name)) >>> 0);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const last = CANDLES - TAIL;
  const events: SoakEvent[] = [];
  for (let n = int(4, 7); n > 0; n--) {
    const fault = pick(KINDS);
    // Timeouts cost real seconds (the client's timeout): one request each keeps the soak short.
    events.push({ at: int(3, last - 2), kind: 'fault', target: pick(TARGETS), fault, times: fault === 'timeout' || fault === 'late' ? 1 : int(1, 2) });
  }
  // Outages of 5–60 s of engine time (the harness moves it 6 s a candle).
  if (random() < 0.75) events.push({ at: int(8, last - 14), kind: 'outage', seconds: int(5, 60) });
  // An emergency stop while the grid's limits rest (for the others: while a position may be open).
  if (strategy === 'grid' || random() < 0.5) {
    events.push({ at: int(20, last - 12), kind: 'emergencyStop', flatten: strategy === 'grid' || random() < 0.6, fillsDuringCancel: strategy === 'grid', restartAfter: int(2, 4) });
  }
  // A grid is always restarted (the one-order-per-level check needs one); the others half the time.
  if (strategy === 'grid' || random() < 0.5) events.push({ at: int(10, last - 4), kind: 'restart', how: random() < 0.5 ? 'kill9' : 'sigterm' });
  events.sort((a, b) => a.at - b.at);
  return { seed, name, exchange, strategy, symbol: SYMBOL[exchange].symbol, params: paramsFor(strategy, exchange), candles: CANDLES, tail: TAIL, events };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function describeEvent(e: SoakEvent): string {
  switch (e.kind) {
    case 'fault':
      return `candle ${e.at}: ${e.fault} on ${e.target} ×${e.times}`;
    case 'outage':
      return `candle ${e.at}: exchange outage ${e.seconds} s`;
    case 'emergencyStop':
      return `candle ${e.at}: emergency stop${e.flatten ? ' with flatten' : ''}${e.fillsDuringCancel ? ', resting buys fill while cancels are in flight' : ''}; user starts it again ${e.restartAfter} candles later`;
    case 'restart':
      return `candle ${e.at}: restart of CTS (${e.how === 'kill9' ? 'kill -9' : 'SIGTERM'})`;
  }
}
