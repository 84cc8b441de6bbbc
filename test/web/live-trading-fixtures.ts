import type { EnginePairView, EngineStatus, OrderRecord, PositionSnapshot, StrategyInfo } from '../../web/src/api/engine-types';

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
    feed: null,
    accountFeed: null,
    candlesProcessed: 0,
    lastPrice: null,
    positions: [],
    openOrders: [],
    pnl: { realizedPnl: '0', unrealizedPnl: '0', fees: '0', netPnl: '0', unpricedSymbols: [] },
    flatten: { state: 'not_requested', remaining: '0', reason: null, at: null },
    ...overrides,
  };
}

/** A running bot on a static list of `count` USDT pairs: the first three hold positions, one an open order. */
export function multiPairStatus(count: number, overrides: Partial<EngineStatus> = {}): EngineStatus {
  const symbols = Array.from({ length: count }, (_, i) => `C${String(i + 1).padStart(2, '0')}/USDT`);
  const pairs: EnginePairView[] = symbols.map((symbol, i) => ({
    symbol,
    role: i === count - 1 ? 'managed' : 'tradable',
    holdsSlot: i < 3,
    candlesProcessed: 120,
    lastPrice: `${i + 1}.5`,
    lastCandleAt: '2026-12-02T04:00:00.000Z',
  }));
  // Realized -1.5 + unrealized 15 - fees 0.3 = net 13.2 over the three (the totals row reads status.pnl).
  const figures = [
    { quantity: '10', averageEntryPrice: '1.25', realizedPnl: '-1.5', unrealizedPnl: '2.5', netPnl: '0.9' },
    { quantity: '20', averageEntryPrice: '2.25', realizedPnl: '0', unrealizedPnl: '5', netPnl: '4.9' },
    { quantity: '30', averageEntryPrice: '3.25', realizedPnl: '0', unrealizedPnl: '7.5', netPnl: '7.4' },
  ];
  const positions: PositionSnapshot[] = figures.map((f, i) => ({
    symbol: symbols[i] ?? '',
    side: 'long',
    dust: false,
    cost: '0',
    fees: '0.1',
    baseFees: '0',
    markPrice: `${i + 1}.5`,
    markTime: '2026-12-02T04:00:00.000Z',
    ...f,
  }));
  const order: OrderRecord = {
    clientOrderId: 'cts-o-1',
    engineId: 'multi',
    connectionId: 'main',
    exchangeOrderId: 'x1',
    symbol: symbols[1] ?? '',
    side: 'sell',
    type: 'limit',
    price: '3',
    amount: '20',
    filled: '0',
    average: null,
    status: 'open',
    adopted: false,
    reduceOnly: false,
    trigger: null,
    timeInForce: null,
    expiresAt: null,
    tag: null,
    reason: null,
    error: null,
    createdAt: '2026-12-02T04:00:00.000Z',
    updatedAt: '2026-12-02T04:00:00.000Z',
  };
  return engineStatus({
    id: 'multi',
    connectionId: 'main',
    state: 'running',
    allowedActions: ['pause', 'stop'],
    strategy: 'sma-crossover',
    symbol: null,
    timeframe: '1h',
    pairs: {
      pairList: { kind: 'static', pairs: symbols, quote: 'USDT', blacklist: [] },
      maxOpenTrades: 5,
      openTrades: 3,
      builtAt: '2026-12-02T03:30:00.000Z',
      pairs,
      rejected: [
        { symbol: 'DEAD/USDT', reason: 'not an active market' },
        { symbol: 'ETH/BTC', reason: 'not quoted in USDT' },
      ],
    },
    positions,
    openOrders: [order],
    pnl: { realizedPnl: '-1.5', unrealizedPnl: '15', fees: '0.3', netPnl: '13.2', unpricedSymbols: [] },
    ...overrides,
  });
}
