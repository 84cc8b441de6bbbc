import { Dec } from '../../../src/domain/money.js';
import { Portfolio } from '../../../src/engine/accounting/portfolio.js';
import { CandleCursor, type CandleSeries } from '../../../src/domain/candles.js';
import { evaluateIntents, parseRiskConfig } from '../../../src/engine/risk.js';
import { FLAT_POSITION, freezeSnapshot, invokeStrategy, type Strategy, type StrategyFill, type StrategyOrder } from '../../../src/engine/strategy.js';
import type { Market } from '../../../src/exchanges/exchange.port.js';
import type { Fill } from '../../../src/domain/orders.js';
import { FillSimulator } from '../../../src/exchanges/simulated/fill-simulator.js';

/**
 * The smallest honest loop over this package's pieces (fill simulator → ledger → snapshot → strategy →
 * risk → simulator), for composition tests. The real backtester lives in src/engine/backtest.
 */
export function runOnSeries(strategy: Strategy, series: CandleSeries, market: Market, balances: Record<string, string>) {
  const sim = new FillSimulator({ markets: [market], balances, takerFeeRate: '0.001', makerFeeRate: '0.0002', slippageBps: '5' });
  const portfolio = new Portfolio();
  const ledger = portfolio.ledger(market.symbol);
  const cursor = new CandleCursor(series);
  const tags = new Map<string, string | null>();
  const fills: Fill[] = [];
  let sequence = 0;
  for (let i = 0; i < series.length; i++) {
    const newFills = sim.onCandle(market.symbol, series, i);
    for (const f of newFills) ledger.apply(f);
    fills.push(...newFills);
    cursor.showUntil(i + 1);
    const openOrders: StrategyOrder[] = sim.openOrders(market.symbol).map((o) => ({
      clientOrderId: o.clientOrderId ?? '',
      side: o.side,
      type: o.type,
      price: o.price,
      amount: o.amount,
      filled: o.filled,
      tag: tags.get(o.clientOrderId ?? '') ?? null,
    }));
    const strategyFills: StrategyFill[] = newFills.map((f) => ({ ...f, clientOrderId: f.clientOrderId ?? '', tag: tags.get(f.clientOrderId ?? '') ?? null }));
    const average = ledger.averageEntryPrice;
    const snapshot = freezeSnapshot({
      symbol: market.symbol,
      time: series.time(i),
      candles: cursor.window,
      ticker: null,
      market,
      position: ledger.side === 'flat' ? FLAT_POSITION : { side: ledger.side, quantity: ledger.quantity.toFixed(), averageEntryPrice: average?.toFixed() ?? null },
      openOrders,
      fills: strategyFills,
      balance: {
        base: { asset: market.base, free: sim.account.free(market.base).toFixed(), total: sim.account.total(market.base).toFixed() },
        quote: { asset: market.quote, free: sim.account.free(market.quote).toFixed(), total: sim.account.total(market.quote).toFixed() },
      },
      warmingUp: false,
    });
    const intents = invokeStrategy('test', strategy, 'onCandle', snapshot);
    const context = { market, price: new Dec(series.text('close', i)), position: ledger.quantity, openOrders, config: parseRiskConfig({ maxOpenOrders: 50 }) };
    for (const decision of evaluateIntents(intents, context)) {
      if (decision.kind === 'cancel') sim.cancelOrder({ symbol: market.symbol, clientOrderId: decision.clientOrderId });
      if (decision.kind !== 'order') continue;
      const clientOrderId = `c${++sequence}`;
      tags.set(clientOrderId, decision.order.tag);
      const { side, type, amount, price } = decision.order;
      sim.placeOrder({ symbol: market.symbol, side, type, amount, clientOrderId, ...(price === null ? {} : { price }) });
    }
  }
  const mark = new Map([[market.symbol, new Dec(series.text('close', series.length - 1))]]);
  return { fills, ledger, summary: portfolio.summary(mark), sim };
}
