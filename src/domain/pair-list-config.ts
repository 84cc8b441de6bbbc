import { z } from 'zod';
import { decimalString } from './decimal-schema.js';
import { ValidationError } from './errors.js';
import { Dec } from './money.js';

/**
 * A bot's pair list: a fixed list, or a dynamic one rebuilt on a schedule from one batched ticker
 * call (top N by 24 h quote volume after filters), the handlers traders use most in freqtrade's
 * pairlists (VolumePairList, PriceFilter, SpreadFilter, RangeStabilityFilter/VolatilityFilter).
 * Either way only active spot markets in the bot's quote currency and off the blacklist can trade.
 */

/** A unified spot symbol, BASE/QUOTE, in the exchanges' upper case. */
const SYMBOL = /^[A-Z0-9][A-Z0-9.-]*\/[A-Z0-9][A-Z0-9.-]*$/;
/** A blacklist entry: a symbol whose base or quote (or part of one) may be `*`. */
const PATTERN = /^[A-Z0-9.*-]+\/[A-Z0-9.*-]+$/;

const symbol = z.string().regex(SYMBOL, 'must be a spot symbol in upper case such as "BTC/USDT"');
const asset = z.string().regex(/^[A-Z0-9][A-Z0-9.-]*$/, 'must be an asset code in upper case such as "USDT"');

/** Smallest refresh: the batched ticker call is the heaviest public request on several exchanges (Binance: weight 80). */
export const MIN_REFRESH_MS = 60_000;
/** freqtrade's VolumePairList default `refresh_period` (1800 s). */
export const DEFAULT_REFRESH_MS = 1_800_000;

const volatilitySchema = z
  .strictObject({
    /**
     * `range24h`: (high − low) / low of the 24 h ticker, free. `dailyCandles`: (highest high − lowest
     * low) / lowest low over `lookbackDays` daily candles (RangeStabilityFilter), one candle request
     * per candidate pair per UTC day.
     */
    source: z.enum(['range24h', 'dailyCandles']).default('range24h'),
    lookbackDays: z.number().int().min(1).max(60).default(10),
    min: decimalString({ what: 'volatility.min', min: '0', example: '0.02' }).optional(),
    max: decimalString({ what: 'volatility.max', greaterThan: '0', example: '0.5' }).optional(),
  })
  .refine((v) => v.min !== undefined || v.max !== undefined, { message: 'give volatility.min, volatility.max or both' })
  .refine((v) => v.min === undefined || v.max === undefined || new Dec(v.min).lte(v.max), { message: 'volatility.min must not exceed volatility.max' });

const common = {
  /** The bot's quote currency: only markets quoted in it are listed. */
  quote: asset,
  /** Exact symbols or wildcards where `*` stands for any text within a side (`BNB/*`; a `*` base with a BTC quote), matched case-insensitively. */
  blacklist: z.array(z.string().toUpperCase().pipe(z.string().regex(PATTERN, 'must be BASE/QUOTE where either side may use * (e.g. "BNB/*")'))).max(500).default([]),
};

export const staticPairListSchema = z.strictObject({
  kind: z.literal('static'),
  pairs: z.array(symbol).min(1, 'list at least one pair').max(500),
  ...common,
});

export const dynamicPairListSchema = z.strictObject({
  kind: z.literal('dynamic'),
  /** How many pairs to keep, best quote volume first. */
  topN: z.number().int().min(1).max(200),
  refreshMs: z.number().int().min(MIN_REFRESH_MS, `must be at least ${MIN_REFRESH_MS} ms`).default(DEFAULT_REFRESH_MS),
  minPrice: decimalString({ what: 'minPrice', greaterThan: '0', example: '0.0001' }).optional(),
  minQuoteVolume: decimalString({ what: 'minQuoteVolume', min: '0', example: '1000000' }).optional(),
  /** Largest (ask − bid) / ask; pairs without a bid and ask are dropped when set. */
  maxSpreadRatio: decimalString({ what: 'maxSpreadRatio', greaterThan: '0', max: '1', example: '0.005' }).optional(),
  volatility: volatilitySchema.optional(),
  ...common,
});

export const pairListConfigSchema = z.discriminatedUnion('kind', [staticPairListSchema, dynamicPairListSchema]);

export type StaticPairListConfig = z.infer<typeof staticPairListSchema>;
export type DynamicPairListConfig = z.infer<typeof dynamicPairListSchema>;
export type PairListConfig = z.infer<typeof pairListConfigSchema>;
export type VolatilityFilter = z.infer<typeof volatilitySchema>;

/** Parses a pair list config; every problem comes back as a field of one ValidationError. */
export function parsePairListConfig(input: unknown): PairListConfig {
  const parsed = pairListConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => ({ path: ['pairList', ...i.path.map(String)].join('.'), message: i.message }));
  throw new ValidationError(`Invalid pair list: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`, fields);
}
