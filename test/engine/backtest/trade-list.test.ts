import { describe, expect, it } from 'vitest';
import { Dec, ZERO } from '../../../src/domain/money.js';
import { PositionLedger } from '../../../src/engine/accounting/position-ledger.js';
import { TradeList } from '../../../src/engine/backtest/trade-list.js';
import type { Fill } from '../../../src/domain/orders.js';

let n = 0;
function fill(side: 'buy' | 'sell', amount: string, price: string, fee: string): Fill {
  n++;
  return { tradeId: `t${n}`, orderId: `o${n}`, clientOrderId: `c${n}`, symbol: 'BTC/USDT', side, price, amount, fee, feeAsset: 'USDT', timestamp: 1_700_000_000_000 + n * 60_000 };
}

/** Feeds fills through the position ledger and the trade list, as the runner does. */
function replay(fills: Fill[], mark: string): { trades: ReturnType<TradeList['trades']>; net: Dec } {
  const ledger = new PositionLedger('BTC/USDT');
  const list = new TradeList();
  for (const f of fills) {
    const effect = ledger.apply(f);
    if (effect) list.record(effect, `${f.side} ${f.amount}`);
  }
  const m = new Dec(mark);
  return { trades: list.trades(ledger.unrealizedPnl(m)), net: ledger.realizedPnl.add(ledger.unrealizedPnl(m)).sub(ledger.fees) };
}

describe('trade list (round trips from the ledger)', () => {
  it('keeps adds and partial exits inside one trade with volume-weighted prices', () => {
    const { trades, net } = replay([fill('buy', '1', '100', '0.1'), fill('buy', '1', '110', '0.11'), fill('sell', '0.5', '120', '0.06'), fill('sell', '1.5', '90', '0.135')], '95');
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ side: 'long', status: 'closed', entryPrice: '105', exitPrice: '97.5', size: '2', fee: '0.405', entryReason: 'buy 1', exitReason: 'sell 1.5' });
    expect(new Dec(trades[0]?.pnl ?? '').eq(net)).toBe(true);
    expect(trades[0]?.pnl).toBe('-15.405');
  });

  it('splits a flip between the trade it closes and the one it opens, fee pro rata, nothing lost', () => {
    const { trades, net } = replay([fill('buy', '1', '100', '0.3'), fill('sell', '3', '110', '0.9'), fill('buy', '0.5', '105', '0.05')], '104');
    expect(trades.map((t) => [t.side, t.status, t.size])).toEqual([
      ['long', 'closed', '1'],
      ['short', 'open', '2'],
    ]);
    expect(trades[0]?.fills.at(-1)).toMatchObject({ side: 'sell', amount: '1', fee: '0.3' });
    expect(trades[1]?.fills[0]).toMatchObject({ side: 'sell', amount: '2', fee: '0.6' });
    expect(trades[0]?.pnl).toBe('9.4'); // +10 − 0.3 − 0.3
    const sum = trades.reduce((s, t) => s.add(t.pnl), ZERO);
    expect(sum.eq(net)).toBe(true);
    const fees = trades.flatMap((t) => t.fills).reduce((s, f) => s.add(f.fee), ZERO);
    expect(fees.toFixed()).toBe('1.25');
  });

  it('a trade still open carries the ledger unrealized PnL at the mark', () => {
    const { trades } = replay([fill('buy', '2', '50', '0.1')], '55');
    expect(trades[0]).toMatchObject({ status: 'open', exitTime: null, exitPrice: null, pnl: '9.9' });
  });
});
