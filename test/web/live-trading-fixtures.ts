import type { EngineStatus, StrategyInfo } from '../../web/src/api/engine-types';

export const SMA: StrategyInfo = {
  id: 'sma-crossover',
  name: 'SMA crossover',
  description: 'Buys when the fast SMA crosses above the slow one.',
  params: [
    { name: 'fast', type: 'integer', description: 'Fast period', default: 10, minimum: 1, maximum: 1000 },
    { name: 'slow', type: 'integer', description: 'Slow period', default: 30, minimum: 2, maximum: 5000 },
    { name: 'sizeQuote', type: 'string', description: 'Quote spent per entry', default: '100' },
  ],
};

export const DCA: StrategyInfo = {
  id: 'dca',
  name: 'Dollar-cost averaging',
  description: 'Buys a fixed amount every N candles.',
  params: [
    { name: 'intervalCandles', type: 'integer', description: 'Buy every N candles', default: 24, minimum: 1, maximum: 100000 },
    { name: 'amountQuote', type: 'string', description: 'Quote per buy', default: '10' },
    { name: 'takeProfitPct', type: 'number', description: 'Sell above this gain', maximum: 1000 },
  ],
};

export function engineStatus(overrides: Partial<EngineStatus> = {}): EngineStatus {
  return {
    id: 'demo',
    connectionId: 'demo',
    budget: null,
    budgetQuote: null,
    state: 'stopped',
    allowedActions: ['start'],
    strategy: null,
    params: null,
    symbol: null,
    pairs: null,
    timeframe: null,
    risk: null,
    options: null,
    startedAt: null,
    stoppedAt: null,
    uptimeMs: null,
    lastHeartbeatAt: null,
    lastError: null,
    resumeOnRestart: false,
    consecutiveFailures: 0,
    exchange: null,
    candlesProcessed: 0,
    lastPrice: null,
    positions: [],
    openOrders: [],
    pnl: { realizedPnl: '0', unrealizedPnl: '0', fees: '0', netPnl: '0', unpricedSymbols: [] },
    flatten: { state: 'not_requested', remaining: '0', reason: null, at: null },
    ...overrides,
  };
}
