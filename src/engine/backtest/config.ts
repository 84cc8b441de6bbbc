import { z } from 'zod';
import { decimalString } from '../../domain/decimal-schema.js';
import { ValidationError } from '../../domain/errors.js';
import type { DecimalString } from '../../domain/money.js';
import { EXCHANGE_IDS } from '../../domain/exchange-ids.js';
import { riskConfigSchema } from '../risk.js';
import { TIMEFRAME_PATTERN } from '../../domain/timeframe.js';
import { RANK_METRICS } from '../../domain/backtest-run.js';

/**
 * What a backtest is asked to do: one schema for the API body, the CLI and the sweep workers. Every
 * option is documented once here, with its default (docs/backtesting.md repeats the table).
 */

const decimal = (what: string, opts: { max?: string; positive?: boolean }) =>
  decimalString({ what, example: '0.001', ...(opts.positive ? { greaterThan: '0' } : { min: '0' }), ...(opts.max === undefined ? {} : { max: opts.max }) });

const instant = z.union([
  z.number().int().nonnegative().describe('ms since the epoch'),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  z.iso.date().transform((s) => Date.parse(`${s}T00:00:00Z`)),
]);

/** How a backtest charges fees: always in quote, always in base, or the way the named venue does (profile). */
export const FEE_ASSET_CHOICES = ['quote', 'base', 'profile'] as const;
export type FeeAssetChoice = (typeof FEE_ASSET_CHOICES)[number];

/**
 * Quotes worth about one US dollar or euro, where a default starting balance of 1000 means the same
 * thing to everyone. Any other quote (BTC, ETH, BNB…) has no honest default: 1000 BTC is a fortune and
 * the built-in strategies size orders in quote (`sizeQuote` 100), so the trader gives the balance.
 */
export const STABLE_QUOTES = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'USDP', 'DAI', 'USDE', 'PYUSD', 'USD', 'EUR', 'EURC', 'EURT'] as const;
export const DEFAULT_STABLE_BALANCE = '1000';

/**
 * The starting balance of a run on `market`: the one asked for, else 1000 for a stable quote; for any
 * other quote a ValidationError saying what to give (`startingBalance`, `--balance` on the CLI).
 */
export function startingBalanceFor(requested: DecimalString | undefined, market: { symbol: string; quote: string }): DecimalString {
  if (requested !== undefined) return requested;
  const { symbol, quote } = market;
  if ((STABLE_QUOTES as readonly string[]).includes(quote.toUpperCase())) return DEFAULT_STABLE_BALANCE;
  const message = `${symbol} is quoted in ${quote}: give the starting balance in ${quote} (startingBalance, or --balance on the CLI), e.g. 0.1; the default of ${DEFAULT_STABLE_BALANCE} is only for dollar and euro quotes. Size the strategy in ${quote} too (e.g. sizeQuote 0.01)`;
  throw new ValidationError(message, [{ path: 'startingBalance', message: `required for a ${quote}-quoted pair` }]);
}

/** A unified symbol: BASE/QUOTE, or BASE/QUOTE:SETTLE for a linear derivative. */
export const SYMBOL_PATTERN = /^[A-Za-z0-9]{1,20}\/[A-Za-z0-9]{1,20}(:[A-Za-z0-9]{1,20})?$/;

/** Pairs one multi-pair backtest may trade. */
export const MAX_PAIRS = 50;
const bundledFile = z.string().regex(/^[A-Za-z0-9_.-]+\.csv$/, 'a file name in data/, e.g. XRP_USDT_USDT-1h-futures.csv');
const unifiedSymbol = z.string().regex(SYMBOL_PATTERN, 'a unified symbol such as BTC/USDT');

export const dataSourceSchema = z.discriminatedUnion('source', [
  z
    .object({
      source: z.literal('bundled'),
      file: bundledFile.optional().describe('One pair: a file in data/'),
      files: z.array(bundledFile).min(2).max(MAX_PAIRS).optional().describe('Several pairs at once (one file per pair, same timeframe), e.g. ["ADA_BTC-1m.csv","ETH_BTC-1m.csv"]'),
    })
    .strict()
    .refine((d) => (d.file === undefined) !== (d.files === undefined), { message: 'give file (one pair) or files (several pairs)', path: ['file'] }),
  z
    .object({
      source: z.literal('csv'),
      /** The CSV text itself (the API never reads arbitrary server paths). */
      csv: z.string().min(1).max(50_000_000),
      name: z.string().max(200).optional(),
    })
    .strict(),
  z
    .object({
      source: z.literal('exchange'),
      /** A stored connection whose exchange serves the candles (public data; no order is sent). */
      connectionId: z.string().min(1).max(40),
    })
    .strict(),
]);
export type DataSource = z.output<typeof dataSourceSchema>;

/** A perpetual's funding rates or mark prices: a file in data/, an inline CSV, or none. */
const perpetualFileSchema = (what: string, header: string) =>
  z.discriminatedUnion('source', [
    z.object({ source: z.literal('bundled'), file: bundledFile.describe(`A ${what} file in data/`) }).strict(),
    z
      .object({
        source: z.literal('csv'),
        csv: z.string().min(1).max(50_000_000).describe(`The ${what} CSV itself, header ${header}`),
        name: z.string().max(200).optional(),
      })
      .strict(),
    z.object({ source: z.literal('none') }).strict(),
  ]);
export const fundingSourceSchema = perpetualFileSchema('funding-rate', 'timestamp_ms,funding_rate');
export const markSourceSchema = perpetualFileSchema('mark-price', 'timestamp_ms,open,high,low,close,volume');

/** The fields of a backtest, shared by the single run and the sweep (which adds its grid). */
const backtestFields = z
  .object({
    strategy: z.string().min(1).max(60).describe('Registered strategy id, e.g. sma-crossover'),
    params: z.record(z.string(), z.unknown()).default({}).describe("Strategy parameters, validated by the strategy's schema"),
    symbol: unifiedSymbol.optional().describe('Default: from the bundled file name; required for exchange data'),
    symbols: z
      .array(unifiedSymbol)
      .min(2)
      .max(MAX_PAIRS)
      .refine((list) => new Set(list).size === list.length, 'each pair once')
      .optional()
      .describe('Several pairs with one shared quote balance (multi-pair run). Default with bundled files: from their names; required for exchange data'),
    maxOpenTrades: z.number().int().min(1).max(MAX_PAIRS).optional().describe('Multi-pair: pairs that may hold a position or an order at once; a new entry beyond is refused (default: all pairs)'),
    timeframe: z.string().regex(TIMEFRAME_PATTERN, 'a timeframe such as 1m, 1h or 1d').optional().describe('Default: inferred from the candle spacing'),
    from: instant.optional().describe('First candle open time to trade (inclusive); earlier candles only warm up indicators'),
    to: instant.optional().describe('End of the range (exclusive)'),
    startingBalance: decimal('startingBalance', { positive: true })
      .optional()
      .describe(`Quote currency at the start. Default: ${DEFAULT_STABLE_BALANCE} for a dollar or euro quote (${STABLE_QUOTES.join(', ')}); required for any other quote (BTC, ETH, …)`),
    feeRate: decimal('feeRate', { max: '0.1' }).default('0.001').describe('Fee per fill as a fraction of its value (0.001 = 0.1 %)'),
    slippageBps: decimal('slippageBps', { max: '1000' }).default('5').describe('Market orders fill this many basis points (0.01 %) worse than the next open'),
    exchange: z.enum(EXCHANGE_IDS).optional().describe('The venue the backtest stands in for (its fee rule); exchange data names it itself'),
    feeAsset: z
      .enum(FEE_ASSET_CHOICES)
      .optional()
      .describe("Asset fees are taken from: 'quote', 'base' (from what a buy receives, on top of what a sell delivers) or 'profile' (the venue's own rule per side). Default: 'profile' when an exchange is known, else 'quote'"),
    risk: riskConfigSchema.default({ maxOpenOrders: 10, allowShort: false }),
    data: dataSourceSchema,
    funding: fundingSourceSchema
      .optional()
      .describe("Perpetuals: funding rates (timestamp_ms,funding_rate, one row per settlement). Default with bundled candles: the pair's funding file in data/ when it has a rate for every funding time of the run, else none (the report says so)"),
    mark: markSourceSchema
      .optional()
      .describe("Perpetuals: mark-price candles for liquidations and funding. Default with bundled candles: the pair's mark file in data/ where it has candles; elsewhere each candle's own prices"),
    market: z
      .object({
        amountStep: decimal('market.amountStep', { positive: true }).optional(),
        priceStep: decimal('market.priceStep', { positive: true }).optional(),
        minAmount: decimal('market.minAmount', {}).optional(),
        minCost: decimal('market.minCost', {}).optional(),
      })
      .strict()
      .optional()
      .describe('Market rules for file data (exchange data uses the real market). Default: amountStep 0.00000001, nothing else'),
    /** Points kept in the report's equity curve (min/max per bucket, see docs). */
    equityPoints: z.number().int().min(10).max(100_000).default(1000),
  })
  .strict();

const rangeInOrder = (r: { from?: number | undefined; to?: number | undefined }) => r.from === undefined || r.to === undefined || r.from < r.to;

/** The pairs of a multi-pair request agree with its data: one pair per file, no single `symbol` beside them. */
function checkPairs(r: z.output<typeof backtestFields>, ctx: z.RefinementCtx): void {
  const files = r.data.source === 'bundled' ? r.data.files : undefined;
  const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (r.symbols && r.symbol) issue(['symbol'], 'give symbol (one pair) or symbols (several), not both');
  if (r.symbols && r.data.source === 'csv') issue(['symbols'], 'an inline CSV holds one pair; use bundled files or exchange data for several');
  if (r.symbols && files && files.length !== r.symbols.length) issue(['symbols'], `${r.symbols.length} symbols for ${files.length} files: give one per file, in order`);
  if (files && r.symbol) issue(['symbol'], 'several files are several pairs: use symbols');
  if (r.maxOpenTrades !== undefined && !r.symbols && !files) issue(['maxOpenTrades'], 'only for multi-pair runs (symbols or several files)');
  const multi = r.symbols !== undefined || files !== undefined;
  if (multi && r.funding && r.funding.source !== 'none') issue(['funding'], "one funding file cannot serve several pairs: a multi-pair run uses each pair's bundled file (or none)");
  if (multi && r.mark && r.mark.source !== 'none') issue(['mark'], "one mark file cannot serve several pairs: a multi-pair run uses each pair's bundled file (or none)");
}

export const backtestRequestSchema = backtestFields.refine(rangeInOrder, { message: 'from must be before to', path: ['from'] }).superRefine(checkPairs);

export type BacktestRequestInput = z.input<typeof backtestRequestSchema>;
export type BacktestRequest = z.output<typeof backtestRequestSchema>;

export { RANK_METRICS, type RankMetric } from '../../domain/backtest-run.js';
export const MAX_SWEEP_COMBINATIONS = 1000;

const gridValue = z.union([z.number(), z.string().max(100), z.boolean()]);

/**
 * A parameter sweep: the backtest fields (with `params` as the fixed base) plus a grid of values per
 * parameter. Every combination runs; combinations the strategy's schema refuses are listed, not run.
 */
export const sweepRequestSchema = backtestFields
  .extend({
    grid: z
      .record(z.string().min(1).max(60), z.array(gridValue).min(1).max(200))
      .refine((g) => Object.keys(g).length > 0, 'give at least one parameter with a list of values')
      .refine((g) => Object.values(g).reduce((n, values) => n * values.length, 1) <= MAX_SWEEP_COMBINATIONS, `at most ${MAX_SWEEP_COMBINATIONS} combinations`)
      .describe('Values to try per strategy parameter, e.g. {"fast":[5,10,20],"slow":[30,50]}'),
    rank: z.enum(RANK_METRICS).default('sharpe').describe('Metric the results are ranked by (maxDrawdown: lowest first)'),
    workers: z.number().int().min(1).max(64).optional().describe('Worker threads; default and maximum: the cores available'),
  })
  .strict()
  .refine(rangeInOrder, { message: 'from must be before to', path: ['from'] })
  .refine((r) => !r.symbols && !(r.data.source === 'bundled' && r.data.files) && r.maxOpenTrades === undefined, { message: 'a sweep runs on one pair (multi-pair sweeps are not supported)', path: ['symbols'] });

export type SweepRequestInput = z.input<typeof sweepRequestSchema>;
export type SweepRequest = z.output<typeof sweepRequestSchema>;
