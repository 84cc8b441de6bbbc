import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CandleSeries, type Candle } from '../../../src/domain/candles.js';
import { InsufficientFundsError, NotImplementedError, OrderRejectedError } from '../../../src/domain/errors.js';
import { Dec, ZERO } from '../../../src/domain/money.js';
import type { PerpetualData } from '../../../src/engine/backtest/perpetual-data.js';
import { estimatedLiquidationPrice } from '../../../src/engine/liquidation.js';
import { SimulatedPerpetualExchange } from '../../../src/engine/runtime/simulated-perpetual.js';
import { replayPerpetualMarket } from '../../../src/engine/runtime/venue.js';

const H = 3_600_000;
const T0 = Date.parse('2021-11-18T00:00:00Z');
const MARKET = replayPerpetualMarket('XRP/USDT');
const SYMBOL = MARKET.symbol;

function data(rates: readonly string[], start = T0): PerpetualData {
  return {
    funding: { source: 'test-funding.csv', intervalMs: 8 * H, times: rates.map((_, k) => start + k * 8 * H), rates: [...rates] },
    fundingNote: 'test',
    mark: null,
    markNote: 'candles',
  };
}

function account(options: { rates?: readonly string[]; balance?: string; leverage?: string; hours?: number; refuseMissingFunding?: boolean } = {}): SimulatedPerpetualExchange {
  const hours = options.hours ?? 100;
  const exchange = new SimulatedPerpetualExchange({
    id: 'replay',
    market: MARKET,
    timeframeMs: H,
    quoteBalance: options.balance ?? '1000',
    data: data(options.rates ?? []),
    fundingWindow: { after: T0 - H, before: T0 + hours * H },
    takerFeeRate: '0.001',
    idPrefix: 'test',
    ...(options.refuseMissingFunding ? { refuseMissingFunding: true } : {}),
  });
  return exchange;
}

async function setLeverage(exchange: SimulatedPerpetualExchange, leverage: string): Promise<void> {
  const { refusals } = await exchange.configureDerivatives(SYMBOL, { leverage, marginMode: 'isolated' });
  expect(refusals).toEqual([]);
}

function bar(hour: number, open: string, high: string, low: string, close: string): Candle {
  return { time: T0 + hour * H, open, high, low, close, volume: '1' };
}

let sequence = 0;
function market(side: 'buy' | 'sell', amount: string, reduceOnly = false): Parameters<SimulatedPerpetualExchange['createOrder']>[0] {
  return { symbol: SYMBOL, side, type: 'market', amount, clientOrderId: `c${++sequence}`, ...(reduceOnly ? { reduceOnly: true } : {}) };
}

async function balance(exchange: SimulatedPerpetualExchange): Promise<{ free: Dec; used: Dec; total: Dec }> {
  const [usdt] = await exchange.fetchBalances();
  return { free: new Dec(usdt?.free ?? 'x'), used: new Dec(usdt?.used ?? 'x'), total: new Dec(usdt?.total ?? 'x') };
}

describe('simulated margin account (paper and replay perpetuals)', () => {
  it("reports the mark file's close of the latest candle as the position's mark, the last price where the file has none", async () => {
    const mark = CandleSeries.from([{ time: T0 + H, open: '1.01', high: '1.03', low: '1', close: '1.02', volume: '0' }]);
    const exchange = new SimulatedPerpetualExchange({
      id: 'replay',
      market: MARKET,
      timeframeMs: H,
      quoteBalance: '1000',
      data: { ...data([]), mark: { source: 'test-mark.csv', series: mark, timeframeMs: H }, markNote: 'test' },
      fundingWindow: { after: T0 - H, before: T0 + 10 * H },
      takerFeeRate: '0.001',
      idPrefix: 'mark',
    });
    await setLeverage(exchange, '5');
    exchange.ingest({ symbol: SYMBOL, candle: bar(0, '1', '1', '1', '1') });
    expect((await exchange.fetchPosition(SYMBOL)).markPrice).toBe('1'); // no mark candle at 00:00: the last price
    exchange.ingest({ symbol: SYMBOL, candle: bar(1, '1', '1.05', '0.99', '1.04') });
    expect((await exchange.fetchPosition(SYMBOL)).markPrice).toBe('1.02');
    exchange.ingest({ symbol: SYMBOL, candle: bar(2, '1.04', '1.05', '1.03', '1.03') });
    expect((await exchange.fetchPosition(SYMBOL)).markPrice).toBe('1.03'); // past the file's end
  });

  it('rejects an entry the wallet no longer covers at the gapped open it fills at, and never one that closes', async () => {
    const exchange = account({ balance: '100' });
    await setLeverage(exchange, '5');
    exchange.ingest({ symbol: SYMBOL, candle: bar(0, '1', '1', '1', '1') });
    // 490 XRP at the close of 1: 98 USDT margin of 100, accepted; the next candle opens 10 % higher,
    // where it needs 107.8 + the fee.
    const entry = await exchange.createOrder(market('buy', '490'));
    exchange.ingest({ symbol: SYMBOL, candle: bar(1, '1.1', '1.1', '1.1', '1.1') });
    expect((await exchange.fetchOrder({ symbol: SYMBOL, id: entry.id })).status).toBe('rejected');
    expect(exchange.ledger.quantity.isZero()).toBe(true);
    expect((await balance(exchange)).total.eq(100)).toBe(true);

    // One that fits at its fill price fills; its exit fits whatever the price.
    await exchange.createOrder(market('buy', '400'));
    exchange.ingest({ symbol: SYMBOL, candle: bar(2, '1.1', '1.1', '1.1', '1.1') });
    expect(exchange.ledger.quantity.eq(400)).toBe(true);
    await exchange.createOrder(market('sell', '400', true));
    exchange.ingest({ symbol: SYMBOL, candle: bar(3, '3', '3', '3', '3') });
    expect(exchange.ledger.quantity.isZero()).toBe(true);
  });

  it('holds notional ÷ leverage as margin, refuses an entry whose margin does not fit, holds no coins', async () => {
    const exchange = account({ balance: '100' });
    await setLeverage(exchange, '5');
    exchange.ingest({ symbol: SYMBOL, candle: bar(0, '1', '1', '1', '1') });
    // 400 XRP at 1 → 80 USDT margin at 5×; 600 more would need 120 of the 20 left.
    await exchange.createOrder(market('sell', '400'));
    expect((await balance(exchange)).used.eq(80)).toBe(true);
    await expect(exchange.createOrder(market('sell', '600'))).rejects.toBeInstanceOf(InsufficientFundsError);
    exchange.ingest({ symbol: SYMBOL, candle: bar(1, '1', '1.01', '0.99', '1') });
    const after = await balance(exchange);
    // Filled at the open: the margin is the position's, the fee (0.4) came off the wallet.
    expect([after.total.toFixed(), after.used.toFixed(), after.free.toFixed()]).toEqual(['99.6', '80', '19.6']);
    expect(exchange.ledger.quantity.toFixed()).toBe('-400');
    expect((await exchange.fetchBalances()).map((b) => b.asset)).toEqual(['USDT']);
    const position = await exchange.fetchPosition(SYMBOL);
    expect(position).toMatchObject({ quantity: '-400', entryPrice: '1', leverage: '5', liquidationPrice: estimatedLiquidationPrice({ side: 'short', entry: new Dec(1), leverage: new Dec(5) })?.toDecimalPlaces(4, Dec.ROUND_DOWN).toFixed() });
  });

  it('refuses a reduce-only order that would not reduce, and fills a closing one with its PnL in the wallet', async () => {
    const exchange = account();
    await setLeverage(exchange, '2');
    exchange.ingest({ symbol: SYMBOL, candle: bar(0, '1', '1', '1', '1') });
    await expect(exchange.createOrder(market('buy', '10', true))).rejects.toBeInstanceOf(OrderRejectedError);
    await exchange.createOrder(market('buy', '100'));
    exchange.ingest({ symbol: SYMBOL, candle: bar(1, '1', '1', '1', '1.2') });
    await expect(exchange.createOrder(market('buy', '1', true))).rejects.toThrow(/ReduceOnly order rejected/);
    await expect(exchange.createOrder(market('sell', '101', true))).rejects.toThrow(/would not reduce/);
    await exchange.createOrder(market('sell', '100', true));
    exchange.ingest({ symbol: SYMBOL, candle: bar(2, '1.2', '1.2', '1.2', '1.2') });
    // +20 realized, fees 0.1 + 0.12.
    expect((await balance(exchange)).total.toFixed()).toBe('1019.78');
    expect(exchange.ledger.quantity.isZero()).toBe(true);
    expect((await balance(exchange)).used.isZero()).toBe(true);
  });

  it('books funding at each settlement on the position held through it, before the fills of the candle opening then', async () => {
    const exchange = account({ rates: ['0.0001', '-0.0002'] });
    await setLeverage(exchange, '5');
    exchange.ingest({ symbol: SYMBOL, candle: bar(-1, '1', '1', '1', '1') });
    await exchange.createOrder(market('sell', '1000'));
    // The sell fills at 00:00's open, after the 00:00 settlement: nothing is booked for it.
    exchange.ingest({ symbol: SYMBOL, candle: bar(0, '1.1', '1.1', '1.1', '1.1') });
    for (let h = 1; h <= 8; h++) exchange.ingest({ symbol: SYMBOL, candle: bar(h, '1.05', '1.05', '1.05', '1.05') });
    const payments = await exchange.fetchFundingPayments({ symbol: SYMBOL, since: 0, until: T0 + 100 * H });
    // At 08:00: −(−1000) × 1.05 (the open there) × −0.0002 = −0.21: a short pays a negative rate.
    expect(payments).toEqual([{ id: `test-funding-${T0 + 8 * H}`, symbol: SYMBOL, amount: '-0.21', timestamp: T0 + 8 * H, rate: '-0.0002' }]);
    expect(await exchange.fetchFundingPayments({ symbol: SYMBOL, since: T0 + 9 * H, until: T0 + 100 * H })).toEqual([]);
    expect((await balance(exchange)).total.toFixed()).toBe(new Dec(1000).sub('1.1').sub('0.21').toFixed());
  });

  it('paper: a settlement the file has no rate for, with a position held, is reported by the funding read', async () => {
    const exchange = account({ rates: ['0.0001'], refuseMissingFunding: true });
    exchange.ingest({ symbol: SYMBOL, candle: bar(0, '1', '1', '1', '1') });
    await exchange.createOrder(market('buy', '10'));
    for (let h = 1; h <= 8; h++) exchange.ingest({ symbol: SYMBOL, candle: bar(h, '1', '1', '1', '1') });
    expect(exchange.missedSettlements).toEqual([T0 + 8 * H]);
    await expect(exchange.fetchFundingPayments({ symbol: SYMBOL, since: T0, until: T0 + 9 * H })).rejects.toBeInstanceOf(NotImplementedError);
    await expect(exchange.fetchFundingPayments({ symbol: SYMBOL, since: T0, until: T0 + 9 * H })).rejects.toThrow(/No funding rate for the settlement at 2021-11-18T08:00:00.000Z in test-funding.csv/);
  });

  it('liquidates when the candle reaches the liquidation price: closed there, margin lost, orders cancelled, served as a forced fill only', async () => {
    const exchange = account();
    await setLeverage(exchange, '10');
    exchange.ingest({ symbol: SYMBOL, candle: bar(0, '1', '1', '1', '1') });
    await exchange.createOrder(market('sell', '1000'));
    exchange.ingest({ symbol: SYMBOL, candle: bar(1, '1', '1', '1', '1') });
    await exchange.createOrder({ symbol: SYMBOL, side: 'sell', type: 'limit', price: '1.5', amount: '10', clientOrderId: 'resting' });
    // 1 × 1.1 / 1.01 = 1.08910891… → 1.0891 at the tick, rounded towards the entry.
    expect((await exchange.fetchPosition(SYMBOL)).liquidationPrice).toBe('1.0891');
    exchange.ingest({ symbol: SYMBOL, candle: bar(2, '1.05', '1.0890', '1.04', '1.06') });
    expect(exchange.forcedFills).toEqual([]);
    exchange.ingest({ symbol: SYMBOL, candle: bar(3, '1.06', '1.0891', '1.05', '1.08') });
    const forced = await exchange.fetchForcedFills({ symbol: SYMBOL, since: 0 });
    // Realized −89.1, margin 100: the other 10.9 is the liquidation fee.
    expect(forced).toEqual([{ tradeId: 'test-liq1', orderId: 'test-liq1', clientOrderId: null, symbol: SYMBOL, side: 'buy', price: '1.0891', amount: '1000', fee: '10.9', feeAsset: 'USDT', timestamp: T0 + 3 * H }]);
    expect((await exchange.fetchMyTrades({ symbol: SYMBOL })).map((t) => t.tradeId)).not.toContain('test-liq1');
    expect(await exchange.fetchOpenOrders(SYMBOL)).toEqual([]);
    expect((await exchange.fetchOrder({ symbol: SYMBOL, clientOrderId: 'resting' })).status).toBe('canceled');
    expect(await exchange.fetchPosition(SYMBOL)).toMatchObject({ quantity: '0', liquidationPrice: null });
    // 1000 − 1 (entry fee) − 100 (the margin).
    expect((await balance(exchange)).total.toFixed()).toBe('899');
  });

  it('refuses cross margin and a leverage change while a position is open', async () => {
    const exchange = account();
    const cross = await exchange.configureDerivatives(SYMBOL, { leverage: '5', marginMode: 'cross' });
    expect(cross.settings).toEqual({ leverage: '1', marginMode: 'isolated' });
    expect(cross.refusals.join()).toMatch(/cross margin is not simulated/);
    await setLeverage(exchange, '3');
    exchange.ingest({ symbol: SYMBOL, candle: bar(0, '1', '1', '1', '1') });
    await exchange.createOrder(market('buy', '10'));
    exchange.ingest({ symbol: SYMBOL, candle: bar(1, '1', '1', '1', '1') });
    const change = await exchange.configureDerivatives(SYMBOL, { leverage: '5', marginMode: 'isolated' });
    expect(change.settings.leverage).toBe('3');
    expect(change.refusals.join()).toMatch(/cannot change while a position/);
  });

  it('carries a restarted bot’s position at its entry: no trade, no fee, the bot’s leverage, its margin held', async () => {
    const exchange = account();
    exchange.carryPosition(new Dec(-500), new Dec('1.2'));
    await setLeverage(exchange, '4');
    exchange.ingest({ symbol: SYMBOL, candle: bar(0, '1.2', '1.2', '1.2', '1.2') });
    expect(await exchange.fetchPosition(SYMBOL)).toMatchObject({ quantity: '-500', entryPrice: '1.2', leverage: '4' });
    expect(await exchange.fetchMyTrades({ symbol: SYMBOL })).toEqual([]);
    const { total, used } = await balance(exchange);
    expect([total.toFixed(), used.toFixed()]).toEqual(['1000', '150']);
    await exchange.createOrder(market('buy', '500', true));
  });

  it('property: the wallet moves by exactly Σ realized − fees + funding, and free + used = balance, at every candle', async () => {
    const step = fc.record({
      move: fc.integer({ min: -40, max: 40 }),
      up: fc.integer({ min: 0, max: 60 }),
      down: fc.integer({ min: 0, max: 60 }),
      order: fc.option(fc.record({ side: fc.constantFrom('buy' as const, 'sell' as const), amount: fc.integer({ min: 1, max: 3000 }), reduceOnly: fc.boolean(), limit: fc.option(fc.integer({ min: -30, max: 30 })) }), { nil: undefined }),
    });
    let liquidations = 0;
    let payments = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), fc.array(fc.integer({ min: -300, max: 300 }), { minLength: 8, maxLength: 8 }), fc.constantFrom('1', '2', '5', '10', '25'), async (steps, rateInts, leverage) => {
        const rates = rateInts.map((r) => new Dec(r).div(1_000_000).toFixed());
        const exchange = account({ rates, balance: '1000', hours: 70 });
        await setLeverage(exchange, leverage);
        const start = new Dec(1000);
        let price = new Dec('1');
        for (let k = 0; k < steps.length; k++) {
          const s = steps[k] as (typeof steps)[number];
          const open = price;
          const close = Dec.max(new Dec('0.2'), open.add(new Dec(s.move).div(1000)));
          const high = Dec.max(open, close).add(new Dec(s.up).div(1000));
          const low = Dec.max(new Dec('0.1'), Dec.min(open, close).sub(new Dec(s.down).div(1000)));
          exchange.ingest({ symbol: SYMBOL, candle: bar(k, open.toFixed(), high.toFixed(), low.toFixed(), close.toFixed()) });
          price = close;
          if (s.order) {
            const o = s.order;
            const request = o.limit === null ? market(o.side, String(o.amount), o.reduceOnly) : { ...market(o.side, String(o.amount), o.reduceOnly), type: 'limit' as const, price: close.add(new Dec(o.limit).div(1000)).toFixed() };
            try {
              await exchange.createOrder(request);
            } catch (error) {
              if (!(error instanceof InsufficientFundsError || error instanceof OrderRejectedError)) throw error;
            }
          }
          // Conservation, from what the account reports: its trade list (the forced fills too), its payments.
          const trades = [...(await exchange.fetchMyTrades({ symbol: SYMBOL })), ...(await exchange.fetchForcedFills({ symbol: SYMBOL, since: 0 }))];
          const cash = trades.reduce((sum, t) => sum.add(new Dec(t.amount).mul(t.price).mul(t.side === 'sell' ? 1 : -1)), ZERO);
          const fees = trades.reduce((sum, t) => sum.add(t.fee), ZERO);
          const funding = (await exchange.fetchFundingPayments({ symbol: SYMBOL, since: 0, until: Number.MAX_SAFE_INTEGER })).reduce((sum, p) => sum.add(p.amount), ZERO);
          const ledger = exchange.ledger;
          // Σ realized = cash flows + the open position's cost (what it was bought for stays in it).
          const realized = cash.add(ledger.cost);
          expect(realized.eq(ledger.realizedPnl), `realized ${realized.toFixed()} vs ${ledger.realizedPnl.toFixed()}`).toBe(true);
          const { free, used, total } = await balance(exchange);
          expect(total.sub(start).eq(realized.sub(fees).add(funding)), `balance ${total.toFixed()}`).toBe(true);
          expect(free.add(used).eq(total)).toBe(true);
          expect(free.gte(0) && used.gte(0)).toBe(true);
          // The position's own margin is part of what is used (while the wallet still covers it).
          const margin = ledger.cost.abs().div(leverage);
          if (total.gte(margin)) expect(used.gte(margin)).toBe(true);
          for (const f of await exchange.fetchForcedFills({ symbol: SYMBOL, since: 0 })) expect(new Dec(f.fee).gte(0)).toBe(true);
          for (const p of exchange.fundingPayments) expect(p.rate !== null && rates.includes(p.rate)).toBe(true);
        }
        liquidations += exchange.forcedFills.length;
        payments += exchange.fundingPayments.length;
      }),
      { numRuns: 150 },
    );
    // The runs reached both: liquidations and funding payments were part of what was checked.
    expect(liquidations).toBeGreaterThan(10);
    expect(payments).toBeGreaterThan(10);
  });
});
