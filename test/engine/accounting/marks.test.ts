import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/money.js';
import { markViews, parseMarkBook, withMark } from '../../../src/engine/accounting/marks.js';
import { Portfolio } from '../../../src/engine/accounting/portfolio.js';
import { fill } from './fixtures.js';

describe('last marks per symbol', () => {
  it('an engine that moved to another symbol still values the position it left, at that symbol’s last mark', () => {
    const portfolio = new Portfolio();
    portfolio.apply(fill('buy', '1', '100')); // BTC/USDT, traded by an earlier run of the engine
    portfolio.apply(fill('buy', '10', '1', { symbol: 'XRP/USDT' }));
    let book = withMark(undefined, 'BTC/USDT', { price: '110', time: '2026-01-01T10:00:00.000Z' });
    book = withMark(book, 'XRP/USDT', { price: '1.2', time: '2026-01-02T10:00:00.000Z', rules: { amountStep: '1', minAmount: '1', minCost: '5' } });
    const { marks, details } = markViews(book);
    expect(portfolio.summary(marks)).toEqual({ realizedPnl: '0', unrealizedPnl: '12', fees: '0', netPnl: '12', unpricedSymbols: [] });
    expect(portfolio.positions(marks, details).map((p) => [p.symbol, p.markPrice, p.markTime])).toEqual([
      ['BTC/USDT', '110', '2026-01-01T10:00:00.000Z'],
      ['XRP/USDT', '1.2', '2026-01-02T10:00:00.000Z'],
    ]);
  });

  it('an older mark never replaces a newer one; the book survives JSON and drops damaged entries', () => {
    const book = withMark(withMark(undefined, 'BTC/USDT', { price: '110', time: '2026-01-02T00:00:00.000Z' }), 'BTC/USDT', { price: '90', time: '2026-01-01T00:00:00.000Z' });
    expect(book['BTC/USDT']?.price).toBe('110');
    expect(parseMarkBook(JSON.stringify(book))).toEqual(book);
    expect(parseMarkBook('{"A/B":{"price":"1e5","time":"2026-01-01T00:00:00.000Z"},"C/D":{"price":"2","time":"2026-01-01T00:00:00.000Z","rules":{"amountStep":"x"}}}')).toEqual({
      'C/D': { price: '2', time: '2026-01-01T00:00:00.000Z' },
    });
    expect(markViews(book).marks.get('BTC/USDT')?.eq(new Dec('110'))).toBe(true);
  });
});
