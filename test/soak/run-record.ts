import type { FaultRuleInput } from '../../simulator/core/schemas.js';
import type { EngineEvent } from '../../src/domain/engine-events.js';
import type { FillRecord, OrderRecord } from '../../src/domain/orders.js';
import type { FaultKind, FaultTarget, Scenario, SoakExchange } from './scenario.js';

/** What a soak run records (harness.ts) and the invariants read (invariants.ts), and how faults reach the simulator. */

/** Client timeout of the soak's ccxt adapters: long enough that a loaded CI machine never times out by itself. */
export const CCXT_TIMEOUT_MS = 1_500;
/** Longer than the client's timeout: the exchange processes the request after the client gave up. */
const LATE_MS = 2_500;

/** What the harness saw at each candle, before the engine processed it (and what it did then). */
export interface StepRecord {
  i: number;
  close: string;
  /** Base held at the exchange (free + locked) and our open orders there, before this candle's tick. */
  baseBefore: string;
  openBefore: number;
  /** Orders the engine stored while processing this candle. */
  created: { clientOrderId: string; side: string; type: string; price: string | null; amount: string; status: string }[];
  /** Fills at the exchange during this candle (resting orders the candle reached, and market orders). */
  fills: { clientOrderId: string; side: string; price: string; qty: string; orderFilled: boolean }[];
  state: string;
  /** Index in the path's closes of this candle. */
  pathIndex: number;
}

export interface EmergencyStopRecord {
  at: number;
  /** The stop's answer, or why it was refused (409 on an engine that is not running). */
  answer: string;
  refused: boolean;
  flatten: boolean;
  fillsDuringCancel: boolean;
  /** Event sequence before the stop: everything after it belongs to the stop. */
  seqBefore: number;
  baseAfter: string;
  openAfter: { clientOrderId: string; side: string; price: string }[];
  positionAfter: string;
  state: string;
  lastError: string | null;
  statusFields: Record<string, unknown>;
}

export interface RunResult {
  scenario: Scenario;
  apiKey: string;
  steps: StepRecord[];
  trace: string[];
  emergencyStops: EmergencyStopRecord[];
  /** Candle indices at which a (new) strategy instance started: the start, restarts, starts after a stop. */
  starts: { at: number; pathIndex: number; warmupCloses: number[] }[];
  /** First time the exchange held two of our open orders at one price and side, per candle checked. */
  duplicateLevels: string[];
  /** At the end of the last candle (recovery and stall checks). */
  final: { state: string; lastError: string | null; position: string; status: Record<string, unknown> };
  /** After the harness's final user stop (ledger checks). */
  afterStop: { state: string; position: string; status: Record<string, unknown> };
  exchange: { base: string; quote: string; orders: SimOrderView[]; fills: SimFillView[]; step: string; minAmount: string; minNotional: string };
  stored: { orders: OrderRecord[]; fills: FillRecord[]; events: EngineEvent[] };
  closes: number[];
}

export interface SimOrderView {
  clientOrderId: string;
  orderId: string;
  side: string;
  type: string;
  price: string;
  status: string;
  executedQty: string;
}
export interface SimFillView {
  tradeId: string;
  orderId: string;
  side: string;
  price: string;
  qty: string;
  fee: string;
  feeAsset: string;
}

export const TRACED_EVENTS = new Set([
  'engine.state', 'engine.retry', 'engine.error', 'engine.stop_problem', 'engine.resume_failed', 'engine.flatten_refused',
  'engine.flatten_incomplete', 'engine.kill_switch', 'risk.rejected', 'order.rejected', 'order.unknown', 'order.not_placed',
  'order.lost', 'order.adopted', 'order.fill_after_verdict', 'order.cancel_failed', 'order.cancel_ignored', 'strategy.error',
]);

export const PATHS: Readonly<Record<SoakExchange, Readonly<Record<FaultTarget, { method: string; pathRegex: string }>>>> = {
  binance: {
    create: { method: 'POST', pathRegex: '^/api/v3/order$' },
    cancel: { method: 'DELETE', pathRegex: '^/api/v3/order$' },
    fetchOrder: { method: 'GET', pathRegex: '^/api/v3/order$' },
    openOrders: { method: 'GET', pathRegex: '^/api/v3/openOrders$' },
    trades: { method: 'GET', pathRegex: '^/api/v3/myTrades$' },
    candles: { method: 'GET', pathRegex: '^/api/v3/klines$' },
  },
  bybit: {
    create: { method: 'POST', pathRegex: '^/v5/order/create$' },
    cancel: { method: 'POST', pathRegex: '^/v5/order/cancel$' },
    fetchOrder: { method: 'GET', pathRegex: '^/v5/order/history$' },
    openOrders: { method: 'GET', pathRegex: '^/v5/order/realtime$' },
    trades: { method: 'GET', pathRegex: '^/v5/execution/list$' },
    candles: { method: 'GET', pathRegex: '^/v5/market/kline$' },
  },
};

export function faultSpec(kind: FaultKind): FaultRuleInput['fault'] {
  switch (kind) {
    case 'timeout':
      return { kind: 'timeout' };
    case 'late':
      return { kind: 'latency', ms: LATE_MS };
    case '5xx':
      return { kind: 'serverError', status: 503 };
    case '429':
      return { kind: 'rateLimit', retryAfterSec: 1, status: 429 };
  }
}

