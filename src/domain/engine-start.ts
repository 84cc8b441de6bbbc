import { z } from 'zod';
import { decimalString } from './decimal-schema.js';
import type { EngineOptions } from './engine-status.js';
import { pairListConfigSchema } from './pair-list-config.js';

/**
 * The start request of a bot (also the HTTP body of `POST /api/trade-engine/start`): one schema that
 * the server validates with and the web types its form from, so the two cannot drift apart.
 */

export const engineOptionsSchema = z
  .object({
    cancelOrdersOnStop: z.boolean().default(true).describe('Cancel open orders when the engine is stopped by a user'),
    cancelOrdersOnShutdown: z.boolean().default(false).describe('Cancel open orders when the process shuts down (otherwise they are reconciled on restart)'),
    resumeOnRestart: z.boolean().default(true).describe('Start the engine again when the process restarts, if it was running'),
    maxConsecutiveFailures: z.number().int().min(1).max(1000).default(5).describe('Unexpected (non-exchange) errors in a row before the engine goes to error; exchange outages do not count'),
    maxOutageMs: z
      .number()
      .int()
      .min(10_000)
      .max(30 * 24 * 3_600_000)
      .nullable()
      .default(null)
      .describe('How long an exchange outage (network, timeouts, 5xx, 429/418) may last before the engine goes to error; null (default): wait as long as it lasts'),
    replaySpeed: z.number().gt(0).max(10_000).default(10).describe('Replay only: candles played per second'),
  })
  .strict();

export const engineBudgetSchema = z
  .union([
    z.object({ quote: decimalString({ what: 'budget.quote', greaterThan: '0' }).describe('At most this much quote (position and open orders included)') }).strict(),
    z.object({ sharePct: z.number().gt(0).max(100).describe('At most this share (%) of the quote balance the account holds when the bot starts') }).strict(),
  ])
  .describe("The bot's budget: { quote } or { sharePct }; null or absent: the whole account (no other bot may run beside it)");

/** The most pairs one bot trades: a 1m bot reads one candle request per pair per minute (docs/pairs.md). */
export const MAX_BOT_PAIRS = 50;

/**
 * Either `symbol` (one pair) or `pairList` (several: a static list or a dynamic top-N), never both;
 * the engine service checks that, since a refined object could not be extended by the route.
 */
export const startEngineSchema = z
  .object({
    connectionId: z.string().min(1).max(40),
    engineId: z.string().min(1).max(40).optional().describe('The bot: an existing one starts again (its orders, fills and position carry on); an unknown id names the new bot; absent: a new bot with a generated id'),
    budget: engineBudgetSchema.nullable().default(null),
    strategy: z.string().min(1).max(60),
    params: z.record(z.string(), z.unknown()).default({}),
    symbol: z.string().min(3).max(60).optional().describe('The one pair this bot trades; give either this or pairList'),
    pairList: pairListConfigSchema.optional().describe(`The pairs this bot trades (at most ${MAX_BOT_PAIRS}): { kind: "static", pairs, quote } or { kind: "dynamic", topN, quote, … } (docs/pairs.md); give either this or symbol`),
    maxOpenTrades: z.number().int().min(1).max(MAX_BOT_PAIRS).optional().describe('With pairList: how many pairs may hold a position (or an entry order) at once; default: every pair of the list'),
    timeframe: z.string().min(2).max(10).default('1h'),
    risk: z.record(z.string(), z.unknown()).default({}),
    options: engineOptionsSchema.default(engineOptionsSchema.parse({})),
  })
  .strict();

export type StartEngineInput = z.input<typeof startEngineSchema>;
export type StartEngineRequest = z.output<typeof startEngineSchema>;

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = engineOptionsSchema.parse({});
