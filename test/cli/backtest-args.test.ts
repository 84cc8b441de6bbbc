import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCliArgs, withPerpetualFiles } from '../../src/cli/backtest-args.js';
import { makeTempDir } from '../support/temp-system.js';
import { StrategyRegistry } from '../../src/engine/strategies/registry.js';

const registry = new StrategyRegistry();

describe('backtest CLI arguments', () => {
  it('maps settings to the request and strategy flags to typed params', () => {
    const o = parseCliArgs(['--strategy', 'sma-crossover', '--data', 'data/x.csv', '--fast', '10', '--slow=30', '--sizeQuote', '250', '--fee', '0.0004', '--stop-loss', '2', '--allow-short', '--json'], registry);
    expect(o.dataPath).toBe('data/x.csv');
    expect(o.json).toBe(true);
    expect(o.request).toEqual({ strategy: 'sma-crossover', params: { fast: 10, slow: 30, sizeQuote: '250' }, feeRate: '0.0004', risk: { stopLossPct: 2, allowShort: true } });
  });

  it('builds a sweep grid with typed values', () => {
    const o = parseCliArgs(['--strategy', 'sma-crossover', '--bundled', 'XRP_USDT_USDT-1h-futures.csv', '--sweep', 'fast=5,10,20', '--sweep', 'slow=30,50', '--rank', 'sortino'], registry);
    expect(o.sweep).toEqual({ fast: [5, 10, 20], slow: [30, 50] });
    expect(o.request).toMatchObject({ rank: 'sortino', data: { source: 'bundled', file: 'XRP_USDT_USDT-1h-futures.csv' } });
  });

  it('gives several pairs by --symbols (files found by name), by repeated --bundled or by repeated --data', () => {
    const bySymbols = parseCliArgs(['--strategy', 'dca', '--symbols', 'ADA/BTC,ETH/BTC', '--symbols', 'XLM/BTC', '--timeframe', '1m', '--max-open-trades', '2'], registry);
    expect(bySymbols.request).toMatchObject({ symbols: ['ADA/BTC', 'ETH/BTC', 'XLM/BTC'], maxOpenTrades: 2, data: { source: 'bundled', files: ['ADA_BTC-1m.csv', 'ETH_BTC-1m.csv', 'XLM_BTC-1m.csv'] } });
    const byFiles = parseCliArgs(['--strategy', 'dca', '--bundled', 'ADA_BTC-1m.csv', '--bundled', 'ETH_BTC-1m.csv', '--bundled', 'XLM_BTC-1m.csv'], registry);
    expect(byFiles.request.data).toEqual({ source: 'bundled', files: ['ADA_BTC-1m.csv', 'ETH_BTC-1m.csv', 'XLM_BTC-1m.csv'] });
    const byPaths = parseCliArgs(['--strategy', 'dca', '--data', 'a/ADA_BTC-1m.csv', '--data', 'b/ETH_BTC-1m.csv'], registry);
    expect(byPaths.dataPaths).toEqual(['a/ADA_BTC-1m.csv', 'b/ETH_BTC-1m.csv']);
    expect(() => parseCliArgs(['--strategy', 'dca', '--symbols', 'ADA/BTC,ETH/BTC'], registry)).toThrow(/needs --timeframe/);
  });

  it('refuses what it cannot use, saying what would work', () => {
    expect(() => parseCliArgs(['--data', 'x.csv'], registry)).toThrow(/--strategy is required/);
    expect(() => parseCliArgs(['--strategy', 'sma-crossover'], registry)).toThrow(/--data <file.csv> or --bundled/);
    expect(() => parseCliArgs(['--strategy', 'sma-crossover', '--data', 'x.csv', '--fats', '10'], registry)).toThrow(/no parameter "fats" \(it has: fast, slow, sizeQuote\)/);
    expect(() => parseCliArgs(['--strategy', 'sma-crossover', '--data', 'x.csv', '--fast', 'ten'], registry)).toThrow(/--fast must be a number, got "ten"/);
    expect(() => parseCliArgs(['--strategy', 'sma-crossover', '--data'], registry)).toThrow(/--data needs a value/);
    expect(() => parseCliArgs(['--strategy', 'sma-crossover', '--data', 'x.csv', '--sweep', 'fast'], registry)).toThrow(/--sweep expects/);
  });
});

describe('backtest CLI: perpetual settings and data', () => {
  it('maps --leverage, --margin-mode and --liquidation-buffer to risk, and --funding/--mark none to the request', () => {
    const o = parseCliArgs(['--strategy', 'dca', '--bundled', 'XRP_USDT_USDT-1h-futures.csv', '--leverage', '5', '--margin-mode', 'cross', '--liquidation-buffer', '2.5', '--allow-short', '--funding', 'none', '--mark=none'], registry);
    expect(o.request).toMatchObject({ risk: { leverage: '5', marginMode: 'cross', liquidationBufferPct: 2.5, allowShort: true }, funding: { source: 'none' }, mark: { source: 'none' } });
    expect([o.fundingPath, o.markPath]).toEqual([null, null]);
  });

  it('reads --funding and --mark files into inline CSVs named by their file, and refuses a missing one', () => {
    const dir = makeTempDir();
    const rates = path.join(dir, 'my-rates.csv');
    writeFileSync(rates, 'timestamp_ms,funding_rate\n1637193600017,0.0001\n');
    const o = parseCliArgs(['--strategy', 'dca', '--bundled', 'XRP_USDT_USDT-1h-futures.csv', '--funding', rates, '--mark', 'data/XRP_USDT_USDT-1h-mark.csv'], registry);
    expect([o.fundingPath, o.markPath]).toEqual([rates, 'data/XRP_USDT_USDT-1h-mark.csv']);
    const request = withPerpetualFiles(o.request, o);
    expect(request.funding).toEqual({ source: 'csv', csv: 'timestamp_ms,funding_rate\n1637193600017,0.0001\n', name: 'my-rates.csv' });
    expect(request.mark).toMatchObject({ source: 'csv', name: 'XRP_USDT_USDT-1h-mark.csv' });
    expect(() => withPerpetualFiles(o.request, { fundingPath: path.join(dir, 'nope.csv'), markPath: null })).toThrow(/--funding: no file .*nope\.csv/);
  });
});
