import { describe, expect, it } from 'vitest';
import { InvalidResponseError, NotImplementedError } from '../../../src/domain/errors.js';
import { fundingWindowParams, toFundingPayments } from '../../../src/exchanges/ccxt/funding.js';

/** ccxt's income rows as bybit.parseIncome builds them from Get Trade History (execType Funding). */
function bybitRow(execFee: string, side: 'Buy' | 'Sell', feeRate: string, extra: Record<string, unknown> = {}) {
  return { id: `exec-${execFee}`, symbol: 'XRP/USDT:USDT', timestamp: 1710950400000, amount: Number(execFee), info: { execFee, side, feeRate, execType: 'Funding' }, ...extra };
}

describe('funding payments from ccxt, signed for the account', () => {
  it("turns Bybit's fee sign round (a positive execFee was paid) and keeps its exact text", () => {
    const [received, paid] = toFundingPayments([bybitRow('-0.10232512', 'Sell', '-0.000761'), bybitRow('0.300000000000000044', 'Buy', '0.0001')], 'bybit', 'XRP/USDT:USDT');
    expect(received).toEqual({ id: 'exec--0.10232512', symbol: 'XRP/USDT:USDT', amount: '0.10232512', timestamp: 1710950400000, rate: '0.000761' });
    // The market rate: a long's feeRate is the rate, a short's is its negation.
    expect(paid).toMatchObject({ amount: '-0.300000000000000044', rate: '0.0001' });
  });

  it('leaves out another pair, keys a row without an id by its time, and refuses a row with no amount', () => {
    expect(toFundingPayments([bybitRow('1', 'Buy', '0.0001', { symbol: 'BTC/USDT:USDT' })], 'bybit', 'XRP/USDT:USDT')).toEqual([]);
    expect(toFundingPayments([bybitRow('1', 'Buy', '0.0001', { id: null })], 'bybit', 'XRP/USDT:USDT')[0]?.id).toBe('funding-1710950400000');
    expect(() => toFundingPayments([{ ...bybitRow('x', 'Buy', '0.0001'), amount: null }], 'bybit', 'XRP/USDT:USDT')).toThrow(InvalidResponseError);
    expect(() => toFundingPayments([{ symbol: 'XRP/USDT:USDT' }], 'bybit', 'XRP/USDT:USDT')).toThrow(InvalidResponseError);
  });

  it('refuses a venue whose funding sign CTS has not checked', () => {
    expect(() => toFundingPayments([], 'kraken', 'XRP/USDT:USDT')).toThrow(NotImplementedError);
  });

  it("keeps HTX's v5 bill amount (type 30 income, 31 expense; signed for the account) exactly, keyed by the bill id", () => {
    const bill = (id: string, amount: string, type: string) => ({ id, symbol: 'BTC/USDT:USDT', timestamp: 1772438400000, amount: Number(amount), info: { id, type, currency: 'USDT', amount, contract_code: 'BTC-USDT', margin_mode: 'isolated', created_time: '1772438400000' } });
    const [paid, received] = toFundingPayments([bill('2000000001', '-0.6', '31'), bill('2000000002', '0.300000000000000044', '30')], 'htx', 'BTC/USDT:USDT');
    expect(paid).toEqual({ id: '2000000001', symbol: 'BTC/USDT:USDT', amount: '-0.6', timestamp: 1772438400000, rate: null });
    expect(received?.amount).toBe('0.300000000000000044');
  });

  it("keeps OKX's balChg (signed for the account: negative when paid) exactly, keyed by the bill id, and bounds a read by begin/end", () => {
    const bill = (billId: string, balChg: string, subType: string) => ({ id: billId, symbol: 'BTC/USDT:USDT', timestamp: 1772438400000, amount: Number(balChg), info: { billId, balChg, type: '8', subType } });
    const [paid, received] = toFundingPayments([bill('801', '-0.6', '173'), bill('802', '0.300000000000000044', '174')], 'okx', 'BTC/USDT:USDT');
    expect(paid).toEqual({ id: '801', symbol: 'BTC/USDT:USDT', amount: '-0.6', timestamp: 1772438400000, rate: null });
    expect(received?.amount).toBe('0.300000000000000044');
    expect(fundingWindowParams('okx', 10, 20)).toEqual({ begin: 10, end: 20 });
    expect(fundingWindowParams('bybit', 10, 20)).toEqual({ until: 20 });
    // Gate's account book takes `to` in seconds.
    expect(fundingWindowParams('gate', 10_000, 20_999)).toEqual({ to: 20 });
  });
});
