import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/money.js';
import { DerivativesVenue } from '../../simulator/matching/derivatives.js';
import type { PerpSpec } from '../../simulator/matching/derivatives-types.js';
import { constantFundingRate, fundingTimesBetween, parseFundingCsv, seriesFundingRates } from '../../simulator/matching/funding.js';
import { applyFill, FLAT, liquidationPrice } from '../../simulator/matching/positions.js';
import type { PricePath, SimCandle } from '../../simulator/matching/price-path.js';
import type { SimAccount } from '../../simulator/types.js';

/** The derivatives core on its own: position arithmetic, funding times, and conservation of money. */

const HOUR = 3_600_000;
const SPEC: PerpSpec = {
  symbol: 'BTC/USDT', base: 'BTC', settle: 'USDT', tickSize: '0.01', stepSize: '0.001', minQty: '0.001',
  maxQty: '1000', minNotional: '5', maxLeverage: '100', maintenanceMarginRate: '0.005',
};

/** A path whose next closes are pushed by the test (open = previous close). */
class PushedPath implements PricePath {
  readonly intervalMs = HOUR;
  readonly candles: SimCandle[];
  constructor(close: string, openTime: number) {
    this.candles = [{ openTime, open: close, high: close, low: close, close, volume: '1' }];
  }
  current(): SimCandle {
    const c = this.candles[this.candles.length - 1];
    if (!c) throw new Error('empty');
    return c;
  }
  history(count: number): SimCandle[] {
    return this.candles.slice(-count);
  }
  push(close: string): void {
    const prev = this.current();
    const [low, high] = new Dec(close).lt(prev.close) ? [close, prev.close] : [prev.close, close];
    this.candles.push({ openTime: prev.openTime + HOUR, open: prev.close, high, low, close, volume: '1' });
  }
  step(): SimCandle {
    this.push(this.current().close);
    return this.current();
  }
}

/**
 * `binance`: the venue as Binance's wire format configures it — margin in a futures wallet kept
 * apart from the account's spot balances, liquidations split into trading loss and clearance fee.
 */
function setup(start = '100', rate = '0.0001', hour = 1, style: 'bybit' | 'binance' = 'bybit') {
  const path = new PushedPath(start, Date.UTC(2026, 0, 1, hour));
  const account: SimAccount = { apiKey: 'k', secret: 's', permissions: { trade: true, withdraw: false, ipRestricted: true }, balances: { USDT: { free: '10000', used: '0' } } };
  if (style === 'binance') {
    account.balances = { USDT: { free: '777', used: '0' } };
    account.futures = { balances: { USDT: { free: '10000', used: '0' } } };
  }
  const venue = new DerivativesVenue({
    perps: [SPEC],
    paths: new Map([['BTC/USDT', path]]),
    funding: constantFundingRate(rate),
    now: () => path.current().openTime,
    ...(style === 'binance' ? { walletOf: (a: SimAccount) => a.futures ?? a, liquidation: 'clearance' as const } : {}),
  });
  const move = (close: string): void => {
    path.push(close);
    venue.afterPriceStep();
  };
  const margin = style === 'binance' ? (account.futures ?? account) : account;
  return { path, venue, account, margin, move };
}

function wallet(holder: { balances: SimAccount['balances'] }): Dec {
  const b = holder.balances['USDT'];
  return new Dec(b?.free ?? 0).add(b?.used ?? 0);
}

describe('position arithmetic', () => {
  it('averages the entry on an increase, realizes PnL at the entry on a reduce, and flips at the fill price', () => {
    const lev = new Dec(5);
    const a = applyFill(FLAT, new Dec('-1'), new Dec('100'), lev);
    expect([a.next.size.toFixed(), a.next.entry.toFixed(), a.next.margin.toFixed()]).toEqual(['-1', '100', '20']);
    const b = applyFill(a.next, new Dec('-1'), new Dec('110'), lev);
    expect([b.next.size.toFixed(), b.next.entry.toFixed(), b.next.margin.toFixed()]).toEqual(['-2', '105', '42']);
    const c = applyFill(b.next, new Dec('0.5'), new Dec('95'), lev);
    expect([c.realizedPnl.toFixed(), c.released.toFixed(), c.next.size.toFixed(), c.next.entry.toFixed()]).toEqual(['5', '10.5', '-1.5', '105']);
    const d = applyFill(c.next, new Dec('2.5'), new Dec('100'), lev);
    expect([d.closed.toFixed(), d.realizedPnl.toFixed(), d.released.toFixed(), d.next.size.toFixed(), d.next.entry.toFixed(), d.next.margin.toFixed()]).toEqual([
      '1.5', '7.5', '31.5', '1', '100', '20',
    ]);
  });

  it('puts the liquidation price where margin + unrealized PnL meets the maintenance margin', () => {
    // Long 1 at 100, 5×: margin 20, MM 0.5 → 100 − 19.5 = 80.5; short: 119.5.
    expect(liquidationPrice({ size: new Dec(1), entry: new Dec(100), margin: new Dec(20) }, new Dec(20), new Dec('0.005'), new Dec('0.01'))?.toFixed()).toBe('80.5');
    expect(liquidationPrice({ size: new Dec(-1), entry: new Dec(100), margin: new Dec(20) }, new Dec(20), new Dec('0.005'), new Dec('0.01'))?.toFixed()).toBe('119.5');
  });
});

describe('funding times and rates', () => {
  it('settles at 00:00, 08:00 and 16:00 UTC, and snaps the source file\'s late stamps to them', () => {
    const day = Date.UTC(2021, 10, 18);
    expect(fundingTimesBetween(day - 1, day + 16 * HOUR)).toEqual([day, day + 8 * HOUR, day + 16 * HOUR]);
    expect(fundingTimesBetween(day, day + 8 * HOUR - 1)).toEqual([]);
    const series = parseFundingCsv('timestamp_ms,funding_rate\n1637193600017,0.0001\n1637222400007,8.995e-05\n');
    expect([...series.keys()]).toEqual([1637193600000, 1637222400000]);
    const rates = seriesFundingRates(new Map([['XRP/USDT', series]]), constantFundingRate('0.0002'));
    expect(rates.rateAt('XRP/USDT', 1637222400000).toFixed()).toBe('0.00008995');
    expect(rates.rateAt('XRP/USDT', 1637251200000).toFixed()).toBe('0.0002');
  });
});

describe('derivatives venue', () => {
  it('refuses a reduce-only order that would open or increase, and an order its free margin does not cover', () => {
    const { venue, account } = setup();
    const sell = (quantity: string, reduceOnly = false) => venue.place(account, { symbol: 'BTC/USDT', side: 'sell', type: 'market', quantity, reduceOnly, clientOrderId: `c${quantity}${reduceOnly}` });
    expect(sell('1', true)).toEqual({ ok: false, rejection: { kind: 'reduce_only_increase' } });
    expect(venue.setLeverage(account, 'BTC/USDT', '5').ok).toBe(true);
    expect(sell('1').ok).toBe(true);
    expect(sell('0.5', true)).toEqual({ ok: false, rejection: { kind: 'reduce_only_increase' } });
    expect(sell('600')).toEqual({ ok: false, rejection: { kind: 'insufficient_margin' } });
  });

  it('fires a conditional order by the last price (a spike inside the candle) or by the mark (the close), and never opens a position', () => {
    const { path, venue, account } = setup();
    expect(venue.setLeverage(account, 'BTC/USDT', '5').ok).toBe(true);
    expect(venue.place(account, { symbol: 'BTC/USDT', side: 'sell', type: 'market', quantity: '1', clientOrderId: 'short' }).ok).toBe(true);
    const stop = (id: string, price: string, by: 'last' | 'mark', placesOrder = false) =>
      venue.place(account, { symbol: 'BTC/USDT', side: 'buy', type: 'market', quantity: '1', reduceOnly: true, clientOrderId: id, trigger: { price, direction: 'rise', by, kind: 'stop', placesOrder } });
    // Crossed already, opening, or a limit: refused.
    expect(stop('now', '99', 'last')).toEqual({ ok: false, rejection: { kind: 'bad_request', message: 'triggerPrice' } });
    expect(venue.place(account, { symbol: 'BTC/USDT', side: 'buy', type: 'market', quantity: '1', clientOrderId: 'open', trigger: { price: '105', direction: 'rise', by: 'last', kind: 'stop', placesOrder: false } })).toEqual({ ok: false, rejection: { kind: 'bad_request', message: 'reduceOnly' } });
    const byMark = stop('mark', '104', 'mark', true);
    const byLast = stop('last', '105', 'last');
    expect(byMark.ok && byLast.ok).toBe(true);
    // A candle that spikes to 106 and closes at 103: the last-price stop fires at 105, the mark one waits.
    path.candles.push({ openTime: path.current().openTime + HOUR, open: '100', high: '106', low: '100', close: '103', volume: '1' });
    const fills = venue.afterPriceStep();
    expect(fills.map((f) => [f.orderId, f.side, f.qty, f.price])).toEqual([[byLast.ok ? byLast.order.orderId : 0, 'buy', '1', '105']]);
    expect(venue.position('k', 'BTC/USDT').size).toBe('0');
    // The mark reaches 104 later: it fires, places its order, and that order has nothing left to reduce.
    path.push('104.5');
    expect(venue.afterPriceStep()).toEqual([]);
    const fired = venue.order('k', { clientOrderId: 'mark' });
    expect(fired).toMatchObject({ status: 'filled', trigger: { triggeredAt: path.current().openTime } });
    expect(venue.order('k', { orderId: fired?.trigger?.placedOrderId ?? 0 })).toMatchObject({ status: 'expired', executedQty: '0', reduceOnly: true });
    expect(venue.position('k', 'BTC/USDT').size).toBe('0');
  });

  it('charges a long and pays a short at each funding time; a cross position\'s collateral includes free USDT', () => {
    const { venue, account, move } = setup('100', '0.001');
    venue.place(account, { symbol: 'BTC/USDT', side: 'sell', type: 'market', quantity: '2', clientOrderId: 'a' });
    const before = wallet(account);
    for (let i = 0; i < 7; i++) move('100');
    // 01:00 → 08:00: one settlement, −2 × 100 × 0.001 = −0.2 paid, i.e. 0.2 received.
    expect(venue.fundingPayments('k').map((p) => p.payment)).toEqual(['-0.2']);
    expect(wallet(account).sub(before).toFixed()).toBe('0.2');
    const liq = venue.liquidationPrice('k', 'BTC/USDT');
    expect(liq?.gt(1000)).toBe(true);
  });

  it('liquidates under the clearance rule at the liquidation price: the trading loss there plus the clearance fee is the whole margin, all from the futures wallet', () => {
    const { venue, account, margin, move } = setup('100', '0.0001', 1, 'binance');
    expect(venue.setMarginMode(account, ['BTC/USDT'], 'isolated')).toEqual({ ok: true });
    expect(venue.setLeverage(account, 'BTC/USDT', '5').ok).toBe(true);
    expect(venue.place(account, { symbol: 'BTC/USDT', side: 'sell', type: 'market', quantity: '1', clientOrderId: 's' }).ok).toBe(true);
    // Entry 99.99 (the bid), margin 19.998, MM 0.49995: liquidation 99.99 + 19.49805 = 119.48805, to the
    // tick below; bankruptcy 99.99 + 19.998, to the tick above.
    expect(venue.liquidationPrice('k', 'BTC/USDT')?.toFixed()).toBe('119.48');
    expect(venue.setMarginMode(account, ['BTC/USDT'], 'cross')).toEqual({ ok: false, rejection: { kind: 'position_or_order_open', holds: 'position' } });
    const before = wallet(margin);
    move('120');
    const liquidation = venue.fills('k').find((f) => f.kind === 'liquidation');
    expect(liquidation).toMatchObject({ side: 'buy', qty: '1', price: '119.48', realizedPnl: '-19.49', clearanceFee: '0.508', fee: '0' });
    expect(venue.orders('k').find((o) => o.createdBy === 'liquidation')).toMatchObject({ price: '119.99', cumQuote: '119.48', status: 'filled' });
    expect(before.sub(wallet(margin)).toFixed()).toBe('19.998');
    expect(margin.balances['USDT']?.used).toBe('0');
    // The spot balances never moved: not by the fee, the margin or the loss.
    expect(account.balances['USDT']).toEqual({ free: '777', used: '0' });
  });

  it('conserves money across random fills, funding and liquidations, in the account or in a futures wallet apart: wallet = start + PnL − fees − funding, used = margin + locks', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('market' as const), side: fc.constantFrom('buy' as const, 'sell' as const), qty: fc.integer({ min: 1, max: 3000 }), reduceOnly: fc.boolean() }),
      fc.record({ kind: fc.constant('limit' as const), side: fc.constantFrom('buy' as const, 'sell' as const), qty: fc.integer({ min: 1, max: 3000 }), offset: fc.integer({ min: -500, max: 500 }) }),
      { arbitrary: fc.record({ kind: fc.constant('move' as const), pct: fc.integer({ min: -25, max: 25 }) }), weight: 3 },
      fc.record({ kind: fc.constant('leverage' as const), lev: fc.integer({ min: 1, max: 100 }) }),
      fc.record({ kind: fc.constant('mode' as const), isolated: fc.boolean() }),
    );
    for (const style of ['bybit', 'binance'] as const) {
      const seen = { liquidations: 0, funding: 0, flips: 0 };
      fc.assert(
        fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
          // From 07:00, so the first step already crosses a funding time.
          const { path, venue, account, margin, move } = setup('100', '0.0001', 7, style);
          let n = 0;
          for (const o of ops) {
            const mark = new Dec(path.current().close);
            if (o.kind === 'market') venue.place(account, { symbol: 'BTC/USDT', side: o.side, type: 'market', quantity: new Dec(o.qty).div(1000).toFixed(), reduceOnly: o.reduceOnly, clientOrderId: `m${n++}` });
            else if (o.kind === 'limit') {
              const price = mark.mul(new Dec(1).add(new Dec(o.offset).div(10_000))).toDecimalPlaces(2).toFixed();
              venue.place(account, { symbol: 'BTC/USDT', side: o.side, type: 'limit', quantity: new Dec(o.qty).div(1000).toFixed(), price, clientOrderId: `l${n++}` });
            } else if (o.kind === 'move') move(Dec.max('1', mark.mul(new Dec(100 + o.pct).div(100))).toDecimalPlaces(2).toFixed());
            else if (o.kind === 'leverage') venue.setLeverage(account, 'BTC/USDT', String(o.lev));
            else venue.setMarginMode(account, ['BTC/USDT'], o.isolated ? 'isolated' : 'cross');
            const fills = venue.fills('k');
            const pnl = fills.reduce((s, f) => s.add(f.realizedPnl), new Dec(0));
            // The clearance fee (binance style) is a charge like the trading fee.
            const fees = fills.reduce((s, f) => s.add(f.fee).add(f.clearanceFee ?? 0), new Dec(0));
            const funding = venue.fundingPayments('k').reduce((s, p) => s.add(p.payment), new Dec(0));
            expect(wallet(margin).toFixed()).toBe(new Dec(10000).add(pnl).sub(fees).sub(funding).toFixed());
            const { position, order } = venue.marginInUse('k', 'USDT');
            expect(margin.balances['USDT']?.used).toBe(position.add(order).toFixed());
            expect(venue.position('k', 'BTC/USDT').realisedPnl).toBe(pnl.sub(fees).sub(funding).toFixed());
            if (style === 'binance') expect(account.balances['USDT']).toEqual({ free: '777', used: '0' });
          }
          const fills = venue.fills('k');
          seen.liquidations += fills.filter((f) => f.kind === 'liquidation').length;
          seen.flips += fills.filter((f) => f.closedSize !== '0' && f.closedSize !== f.qty).length;
          seen.funding += venue.fundingPayments('k').length;
        }),
        { numRuns: style === 'bybit' ? 500 : 300 },
      );
      // The runs did reach the paths the property is about.
      expect(Math.min(seen.liquidations, seen.funding, seen.flips)).toBeGreaterThan(0);
    }
  });
});
