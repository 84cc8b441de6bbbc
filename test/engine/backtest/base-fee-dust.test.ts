import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/money.js';
import { parseCliArgs } from '../../../src/cli/backtest-args.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { BUNDLED, backtest } from './support.js';

/**
 * A backtest charges fees the way the venue does, so it shows what base-asset fees do: dust after each
 * round trip, reported, never stopping the strategy (quote fees would hide it; the gross ledger of
 * before would have left the strategy "long 0.1" for good once the fees were modelled).
 */

const BINANCE_XRP = { amountStep: '0.1', minAmount: '0.1', minCost: '5', priceStep: '0.0001' };

describe('backtest with fees taken in the base asset', () => {
  it("Binance's rule (exchange named, feeAsset defaults to profile): buys pay in XRP, dust is left and reported, trading continues", async () => {
    const report = await backtest({ strategy: 'sma-crossover', params: { fast: 2, slow: 4, sizeQuote: '50' }, symbol: 'XRP/USDT', data: BUNDLED, exchange: 'binance', slippageBps: '0', market: BINANCE_XRP });
    expect(report.settings.feeAssets).toEqual({ buy: 'base', sell: 'quote' });
    const fills = report.trades.flatMap((t) => t.fills);
    expect(fills.filter((f) => f.side === 'buy').every((f) => f.feeAsset === 'XRP')).toBe(true);
    expect(fills.filter((f) => f.side === 'sell').every((f) => f.feeAsset === 'USDT')).toBe(true);
    // Many round trips, each closed on dust: the strategy entered again every time.
    expect(report.result.closedTrades).toBeGreaterThanOrEqual(5);
    expect(report.events.rejections.samples.filter((r) => /amount is 0|short/i.test(r.message))).toEqual([]);
    const end = report.result.endPosition;
    if (report.trades.at(-1)?.status === 'closed') {
      expect(end.dust).toBe(true);
      expect(new Dec(end.quantity).gt(0) && new Dec(end.quantity).lt('0.1')).toBe(true);
    }
    // Σ trade PnL is the net result exactly, dust included.
    const sum = report.trades.reduce((s, t) => s.add(t.pnl), new Dec(0));
    expect(sum.toFixed()).toBe(new Dec(report.result.endingEquity).sub(report.result.startingBalance).toFixed());
  });

  it('quote fees (the default without an exchange) leave no dust, as before', async () => {
    const report = await backtest({ strategy: 'sma-crossover', params: { fast: 2, slow: 4, sizeQuote: '50' }, symbol: 'XRP/USDT', data: BUNDLED, slippageBps: '0', market: BINANCE_XRP });
    expect(report.settings.feeAssets).toEqual({ buy: 'quote', sell: 'quote' });
    expect(report.result.endPosition.dust).toBe(false);
  });

  it("refuses feeAsset 'profile' without an exchange, with a field error", async () => {
    await expect(backtest({ strategy: 'sma-crossover', params: {}, symbol: 'XRP/USDT', data: BUNDLED, feeAsset: 'profile' })).rejects.toMatchObject({ fields: [{ path: 'exchange' }] });
  });

  it('the CLI takes --fee-asset and --exchange', () => {
    const options = parseCliArgs(['--strategy', 'sma-crossover', '--bundled', 'XRP_USDT_USDT-1h-futures.csv', '--fee-asset', 'base', '--exchange', 'bybit'], new StrategyRegistry());
    expect(options.request).toMatchObject({ feeAsset: 'base', exchange: 'bybit' });
  });
});
