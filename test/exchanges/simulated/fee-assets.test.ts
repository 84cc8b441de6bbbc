import { describe, expect, it } from 'vitest';
import { InsufficientFundsError } from '../../../src/domain/errors.js';
import { Dec } from '../../../src/domain/money.js';
import { CandleSeries } from '../../../src/domain/candles.js';
import { FillSimulator, type FillSimulatorOptions } from '../../../src/exchanges/simulated/fill-simulator.js';
import { SimulatedExchange } from '../../../src/exchanges/simulated/simulated-exchange.js';
import { PositionLedger } from '../../../src/engine/accounting/position-ledger.js';
import { BTC_USDT, bar } from './fixtures.js';

/** The paper/replay fill model charges fees the way the venue does: base or quote, per side. */

function setup(options: Partial<FillSimulatorOptions> = {}) {
  const sim = new FillSimulator({ markets: [BTC_USDT], balances: { USDT: '10000' }, takerFeeRate: '0.001', ...options });
  const series = new CandleSeries();
  const feed = (ohlc: string) => {
    series.append(bar(series.length, ohlc));
    return sim.onCandle('BTC/USDT', series, series.length - 1);
  };
  return { sim, feed };
}

const market = (side: 'buy' | 'sell', amount: string) => ({ symbol: 'BTC/USDT', side, type: 'market', amount, clientOrderId: `c-${side}-${amount}-${Math.random()}` }) as const;

describe('fill simulator fee assets', () => {
  it('quote (the default): the buy pays the fee on top, the account holds what was bought', () => {
    const { sim, feed } = setup();
    feed('100 100 100 100');
    sim.placeOrder(market('buy', '2'));
    expect(feed('100 100 100 100')[0]).toMatchObject({ fee: '0.2', feeAsset: 'USDT' });
    expect(sim.account.total('BTC').toFixed()).toBe('2');
    expect(sim.account.total('USDT').toFixed()).toBe('9799.8');
  });

  it('base on buys, quote on sells (Binance spot without BNB): the buy receives amount − fee, and the ledger holds exactly that', () => {
    const { sim, feed } = setup({ feeAssets: { buy: 'base', sell: 'quote' } });
    const ledger = new PositionLedger('BTC/USDT');
    feed('100 100 100 100');
    sim.placeOrder(market('buy', '2'));
    const [buy] = feed('100 100 100 100');
    expect(buy).toMatchObject({ amount: '2', fee: '0.002', feeAsset: 'BTC' });
    ledger.apply(buy!);
    expect(sim.account.total('BTC').toFixed()).toBe('1.998');
    expect(sim.account.total('USDT').toFixed()).toBe('9800'); // no quote fee on the buy
    expect(ledger.quantity.toFixed()).toBe('1.998');
    // Selling the gross 2 is more than the account holds: refused before anything is reserved.
    expect(() => sim.placeOrder(market('sell', '2'))).toThrow(InsufficientFundsError);
    sim.placeOrder(market('sell', '1.998'));
    const [sell] = feed('110 110 110 110');
    expect(sell).toMatchObject({ fee: '0.21978', feeAsset: 'USDT' });
    ledger.apply(sell!);
    expect(sim.account.total('BTC').toFixed()).toBe('0');
    expect(ledger.quantity.isZero()).toBe(true);
    // The ledger's net PnL is the account's change exactly: 9800 + 219.78 − 0.21978 − 10000.
    expect(ledger.realizedPnl.sub(ledger.fees).toFixed()).toBe(sim.account.total('USDT').sub(10000).toFixed());
  });

  it('base on sells: the fee is taken on top of the amount sold, and reserved with it', () => {
    const { sim, feed } = setup({ balances: { BTC: '1' }, feeAssets: { buy: 'base', sell: 'base' } });
    feed('100 100 100 100');
    expect(() => sim.placeOrder(market('sell', '1'))).toThrow(InsufficientFundsError); // needs 1.001
    sim.placeOrder(market('sell', '0.5'));
    expect(sim.account.used('BTC').toFixed()).toBe('0.5005');
    expect(feed('100 100 100 100')[0]).toMatchObject({ fee: '0.0005', feeAsset: 'BTC' });
    expect(sim.account.total('BTC').toFixed()).toBe('0.4995');
    expect(sim.account.total('USDT').toFixed()).toBe('50');
    expect(sim.account.used('BTC').isZero()).toBe(true);
  });

  it('the simulated exchange (paper, replay) reports base fees through the Exchange port', async () => {
    const exchange = new SimulatedExchange({ id: 'paper:binance', markets: [BTC_USDT], balances: { USDT: '1000' }, takerFeeRate: '0.001', feeAssets: { buy: 'base', sell: 'quote' } });
    exchange.ingest({ symbol: 'BTC/USDT', candle: { time: 0, open: '100', high: '100', low: '100', close: '100', volume: '1' } });
    await exchange.createOrder(market('buy', '1'));
    exchange.ingest({ symbol: 'BTC/USDT', candle: { time: 60_000, open: '100', high: '100', low: '100', close: '100', volume: '1' } });
    const [trade] = await exchange.fetchMyTrades({ symbol: 'BTC/USDT' });
    expect(trade).toMatchObject({ fee: '0.001', feeAsset: 'BTC' });
    const btc = (await exchange.fetchBalances()).find((b) => b.asset === 'BTC');
    expect(new Dec(btc?.total ?? '0').toFixed()).toBe('0.999');
  });
});
