import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/money.js';
import { ValidationError } from '../../../src/domain/errors.js';
import { PositionLedger } from '../../../src/engine/accounting/position-ledger.js';
import { Portfolio, aggregatePortfolios } from '../../../src/engine/accounting/portfolio.js';
import { isDust } from '../../../src/engine/accounting/dust.js';
import { fill } from './fixtures.js';

/** Scenario tests with golden values worked out by hand (see each comment). */
describe('accounting scenarios', () => {
  it('btc-buy-and-sell-partially', () => {
    const ledger = new PositionLedger('BTC/USDT');
    ledger.apply(fill('buy', '2', '30000', { fee: '60' }));
    ledger.apply(fill('buy', '1', '33000', { fee: '33' }));
    // avg entry (60000 + 33000) / 3 = 31000; selling 1.5 takes 46500 of cost: realized 52500 − 46500
    const effect = ledger.apply(fill('sell', '1.5', '35000', { fee: '52.5' }));
    expect(effect).toMatchObject({ closedQuantity: '1.5', closedEntryPrice: '31000', realizedPnl: '6000', quantityAfter: '1.5' });
    expect(ledger.snapshot(new Dec('34000'))).toEqual({
      symbol: 'BTC/USDT',
      side: 'long',
      quantity: '1.5',
      dust: false,
      averageEntryPrice: '31000',
      cost: '46500',
      realizedPnl: '6000',
      unrealizedPnl: '4500', // 1.5 × 34000 − 46500
      fees: '145.5',
      baseFees: '0',
      netPnl: '10354.5',
      markPrice: '34000',
      markTime: null,
    });
  });

  it('eth-short-then-flip-to-long-in-one-fill', () => {
    const ledger = new PositionLedger('ETH/USDT');
    ledger.apply(fill('sell', '3', '2000', { symbol: 'ETH/USDT' }));
    expect(ledger.side).toBe('short');
    expect(ledger.averageEntryPrice?.toFixed()).toBe('2000');
    const effect = ledger.apply(fill('buy', '5', '1800', { symbol: 'ETH/USDT' }));
    // closes the 3 short at 1800 (+600), then opens 2 long at 1800
    expect(effect).toMatchObject({ closedQuantity: '3', realizedPnl: '600', quantityBefore: '-3', quantityAfter: '2' });
    expect(ledger.snapshot(new Dec('1900'))).toMatchObject({ side: 'long', quantity: '2', averageEntryPrice: '1800', unrealizedPnl: '200', realizedPnl: '600' });
  });

  it('short-partially-covered-at-a-loss', () => {
    const ledger = new PositionLedger('BTC/USDT');
    ledger.apply(fill('sell', '2', '100'));
    ledger.apply(fill('sell', '2', '110')); // avg 105, cost −420
    const effect = ledger.apply(fill('buy', '1', '120'));
    expect(effect?.realizedPnl).toBe('-15'); // sold at 105 on average, bought back at 120
    expect(ledger.snapshot(new Dec('100'))).toMatchObject({ quantity: '-3', cost: '-315', unrealizedPnl: '15', realizedPnl: '-15' });
  });

  it('close-to-exactly-flat-leaves-no-residue', () => {
    const ledger = new PositionLedger('BTC/USDT');
    ledger.apply(fill('buy', '1', '10'));
    ledger.apply(fill('buy', '2', '11')); // cost 32, avg 10.666…
    const first = ledger.apply(fill('sell', '1', '12'));
    expect(first?.realizedPnl).toBe('1.33333333333333333333'); // 12 − 32/3 at 20 decimals
    const last = ledger.apply(fill('sell', '2', '12'));
    expect(last?.realizedPnl).toBe('2.66666666666666666667');
    expect(ledger.realizedPnl.toFixed()).toBe('4'); // = cash flows −10 −22 +12 +24, exactly
    expect(ledger.cost.toFixed()).toBe('0');
    expect(ledger.side).toBe('flat');
    expect(ledger.averageEntryPrice).toBeNull();
  });

  it('fee-charged-in-base-is-converted-at-the-fill-price-and-never-held', () => {
    const ledger = new PositionLedger('BTC/USDT');
    const effect = ledger.apply(fill('buy', '1', '20000', { fee: '0.001', feeAsset: 'BTC' }));
    expect(effect).toMatchObject({ feeQuote: '20', amount: '1', netAmount: '0.999', quantityAfter: '0.999' });
    // The lot is the 0.999 held at the fill price; the 0.001 taken is the fee (20 USDT): 19980 + 20 = 20000 paid.
    expect(ledger.snapshot(new Dec('20000'))).toMatchObject({ fees: '20', baseFees: '0.001', quantity: '0.999', cost: '19980', unrealizedPnl: '0', netPnl: '-20' });
    expect(ledger.filledQuantity.toFixed()).toBe('1');
  });

  it('xrp-buy-base-fee-sell-leaves-dust', () => {
    // Binance spot without BNB: buy 46.9 XRP, the fee 0.0469 XRP is taken from it; the exit sells what
    // the step 0.1 can express of the 46.8531 held, 46.8; 0.0531 XRP stays behind (the account's balance).
    const ledger = new PositionLedger('XRP/USDT');
    ledger.apply(fill('buy', '46.9', '1.066', { symbol: 'XRP/USDT', fee: '0.0469', feeAsset: 'XRP' }));
    expect(ledger.quantity.toFixed()).toBe('46.8531');
    const exit = ledger.apply(fill('sell', '46.8', '1.1', { symbol: 'XRP/USDT', fee: '0.051480', feeAsset: 'USDT' }));
    expect(exit).toMatchObject({ netAmount: '46.8', quantityAfter: '0.0531', closedEntryPrice: '1.066' });
    const market = { amountStep: '0.1', minAmount: '0.1', minCost: '5' };
    const mark = new Dec('1.1');
    expect(isDust(ledger.quantity, market, mark)).toBe(true);
    const portfolio = Portfolio.restore([ledger.toState()]);
    const [position] = portfolio.positions(new Map([['XRP/USDT', mark]]), { rules: new Map([['XRP/USDT', market]]) });
    // Reported (side long, quantity, dust), valued at the mark like any holding.
    expect(position).toMatchObject({ side: 'long', quantity: '0.0531', dust: true, cost: '0.0566046', unrealizedPnl: '0.0018054' });
    // Cash: −46.9 × 1.066 + 46.8 × 1.1 − 0.05148 = 1.43312; plus 0.0531 × 1.1 held = 1.49153 net.
    expect(position?.netPnl).toBe('1.49153');
    expect(ledger.realizedPnl.add(ledger.unrealizedPnl(mark)).sub(ledger.fees).toFixed()).toBe('1.49153');
  });

  it('sell-with-base-fee-takes-the-fee-on-top-of-the-amount-sold', () => {
    const ledger = new PositionLedger('BTC/USDT');
    ledger.apply(fill('buy', '2', '100'));
    const effect = ledger.apply(fill('sell', '1', '110', { fee: '0.01', feeAsset: 'BTC' }));
    // 1.01 BTC left the account; the 0.01 is a fee worth 1.1 USDT, the 1.01 closed at 110 realizes 10.1.
    expect(effect).toMatchObject({ netAmount: '1.01', quantityAfter: '0.99', realizedPnl: '10.1', feeQuote: '1.1' });
    expect(ledger.filledQuantity.toFixed()).toBe('1');
  });

  it('fee-in-a-third-asset-needs-its-quote-value', () => {
    const ledger = new PositionLedger('BTC/USDT');
    const bnbFee = fill('buy', '1', '20000', { fee: '0.01', feeAsset: 'BNB' });
    expect(() => ledger.apply(bnbFee)).toThrow(/fee in BNB; pass its value in USDT/);
    expect(ledger.fillCount).toBe(0); // the refused fill left nothing behind
    ledger.apply(bnbFee, { feeInQuote: '3.1' });
    expect(ledger.fees.toFixed()).toBe('3.1');
  });

  it('maker-rebate-is-a-negative-fee', () => {
    const ledger = new PositionLedger('BTC/USDT');
    ledger.apply(fill('buy', '1', '100', { fee: '-0.01' }));
    expect(ledger.snapshot(new Dec('100')).netPnl).toBe('0.01');
  });

  it('the-same-trade-delivered-twice-counts-once', () => {
    const ledger = new PositionLedger('BTC/USDT');
    const once = fill('buy', '1', '100', { fee: '0.1', tradeId: 'dup' });
    expect(ledger.apply(once)).not.toBeNull();
    expect(ledger.apply({ ...once })).toBeNull();
    expect(ledger.snapshot()).toMatchObject({ quantity: '1', fees: '0.1' });
  });

  it('refuses malformed fills before changing anything', () => {
    const ledger = new PositionLedger('BTC/USDT');
    expect(() => ledger.apply(fill('buy', '1e3', '100'))).toThrow(ValidationError);
    expect(() => ledger.apply(fill('buy', '0', '100'))).toThrow(/positive price and amount/);
    expect(() => ledger.apply(fill('buy', '1', '100', { symbol: 'ETH/USDT' }))).toThrow(/not BTC\/USDT/);
    expect(ledger.fillCount).toBe(0);
  });

  it('state-round-trips-through-persistence', () => {
    const ledger = new PositionLedger('XRP/USDT:USDT');
    expect(ledger.quote).toBe('USDT');
    ledger.apply(fill('buy', '100', '1.0801', { symbol: 'XRP/USDT:USDT', fee: '0.054', tradeId: 'a' }));
    ledger.apply(fill('sell', '40', '1.09', { symbol: 'XRP/USDT:USDT', tradeId: 'b' }));
    const copy = PositionLedger.restore(JSON.parse(JSON.stringify(ledger.toState())) as ReturnType<PositionLedger['toState']>);
    expect(copy.snapshot(new Dec('1.1'))).toEqual(ledger.snapshot(new Dec('1.1')));
    expect(copy.apply(fill('sell', '1', '1', { symbol: 'XRP/USDT:USDT', tradeId: 'a' }))).toBeNull();
  });

  it('two-engines-on-one-connection-aggregate-per-symbol', () => {
    const a = new Portfolio();
    const b = new Portfolio();
    a.apply(fill('buy', '1', '100', { fee: '1' }));
    b.apply(fill('buy', '3', '200', { fee: '2' }));
    b.apply(fill('buy', '10', '5', { symbol: 'ETH/USDT' }));
    const marks = new Map([
      ['BTC/USDT', new Dec('150')],
      ['ETH/USDT', new Dec('6')],
    ]);
    const { positions, pnl } = aggregatePortfolios([a, b], marks);
    expect(positions.find((p) => p.symbol === 'BTC/USDT')).toMatchObject({ quantity: '4', averageEntryPrice: '175', unrealizedPnl: '-100' });
    expect(pnl).toEqual({ realizedPnl: '0', unrealizedPnl: '-90', fees: '3', netPnl: '-93', unpricedSymbols: [] });
    expect(a.summary(marks)).toEqual({ realizedPnl: '0', unrealizedPnl: '50', fees: '1', netPnl: '49', unpricedSymbols: [] });
  });

  it('an-open-position-without-a-mark-is-unpriced-not-zero', () => {
    const portfolio = new Portfolio();
    portfolio.apply(fill('buy', '1', '100'));
    portfolio.apply(fill('buy', '10', '5', { symbol: 'ETH/USDT' }));
    const marks = new Map([['BTC/USDT', new Dec('110')]]);
    expect(portfolio.summary(marks)).toEqual({ realizedPnl: '0', unrealizedPnl: '10', fees: '0', netPnl: '10', unpricedSymbols: ['ETH/USDT'] });
    const eth = portfolio.positions(marks, { markTimes: new Map([['BTC/USDT', '2026-01-01T00:00:00.000Z']]) }).find((p) => p.symbol === 'ETH/USDT');
    expect(eth).toMatchObject({ markPrice: null, markTime: null, unrealizedPnl: '0' });
  });

  it('perpetual-funding-is-its-own-entry-apart-from-trading-pnl-and-fees', () => {
    // Short 100 XRP at 2.00 (fee 0.11 USDT), receive 0.02 then pay 0.005 funding, cover at 1.90 (fee 0.1045).
    const portfolio = new Portfolio();
    const symbol = 'XRP/USDT:USDT';
    portfolio.apply(fill('sell', '100', '2', { symbol, tradeId: 's', fee: '0.11' }));
    const ledger = portfolio.ledger(symbol);
    expect(ledger.applyFunding({ id: 'f1', amount: '0.02', timestamp: 1 })).toBe(true);
    expect(ledger.applyFunding({ id: 'f1', amount: '0.02', timestamp: 1 })).toBe(false);
    expect(ledger.applyFunding({ id: 'f2', amount: '-0.005', timestamp: 2 })).toBe(true);
    // Open: unrealized at 1.95 is +5; net = 5 − 0.11 + 0.015.
    expect(ledger.snapshot(new Dec('1.95'))).toMatchObject({ realizedPnl: '0', unrealizedPnl: '5', fees: '0.11', funding: '0.015', netPnl: '4.905' });
    portfolio.apply(fill('buy', '100', '1.9', { symbol, tradeId: 'b', fee: '0.1045' }));
    expect(portfolio.summary(new Map([[symbol, new Dec('1.9')]]))).toEqual({ realizedPnl: '10', unrealizedPnl: '0', fees: '0.2145', funding: '0.015', netPnl: '9.8005', unpricedSymbols: [] });
    // Restored from its state it is the same ledger, and still knows the payments it booked.
    const copy = PositionLedger.restore(JSON.parse(JSON.stringify(ledger.toState())));
    expect(copy.snapshot()).toEqual(ledger.snapshot());
    expect(copy.applyFunding({ id: 'f2', amount: '-0.005', timestamp: 2 })).toBe(false);
    // Two bots' books of one perpetual aggregate their funding too.
    const other = new Portfolio();
    other.apply(fill('buy', '10', '2', { symbol, tradeId: 'x' }));
    other.ledger(symbol).applyFunding({ id: 'g1', amount: '-0.001', timestamp: 1 });
    expect(aggregatePortfolios([portfolio, other]).positions[0]).toMatchObject({ funding: '0.014' });
  });

  it('funding-is-refused-on-spot-and-malformed-amounts-change-nothing', () => {
    const spot = new PositionLedger('BTC/USDT');
    expect(() => spot.applyFunding({ id: 'f', amount: '1', timestamp: 0 })).toThrow(ValidationError);
    expect(spot.snapshot()).not.toHaveProperty('funding');
    expect(new Portfolio().summary()).not.toHaveProperty('funding');
    const perp = new PositionLedger('BTC/USDT:USDT');
    expect(() => perp.applyFunding({ id: 'f', amount: '1e3', timestamp: 0 })).toThrow(ValidationError);
    expect(perp.hasFunding('f')).toBe(false);
    expect(perp.snapshot()).toMatchObject({ funding: '0', netPnl: '0' });
  });
});
