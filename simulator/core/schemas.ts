import { z } from 'zod';
import { EXCHANGE_IDS } from '../../src/domain/exchange-ids.js';
import { DECIMAL_PATTERN } from '../../src/domain/money.js';

/** Zod schemas of the control API; the in-process control object validates with the same ones. */

export const exchangeIdSchema = z.enum(EXCHANGE_IDS);

const decimalString = z.string().regex(DECIMAL_PATTERN, 'Expected a decimal string such as "12.5"');
const nonNegativeDecimal = decimalString.refine((v) => !v.startsWith('-'), 'Expected a non-negative decimal');

export const balanceInputSchema = z.union([
  nonNegativeDecimal,
  z.object({ free: nonNegativeDecimal, used: nonNegativeDecimal.default('0') }),
]);

export const accountInputSchema = z.object({
  apiKey: z.string().min(1),
  secret: z.string().min(1),
  passphrase: z.string().min(1).optional(),
  permissions: z
    .object({ trade: z.boolean().default(true), withdraw: z.boolean().default(false), ipRestricted: z.boolean().default(true) })
    .default({ trade: true, withdraw: false, ipRestricted: true }),
  /** Asset → free amount, or { free, used }. */
  balances: z.record(z.string().min(1), balanceInputSchema).default({}),
  /**
   * The futures wallet, on an exchange that keeps one apart from spot (Binance USDⓈ-M), in the same
   * form; absent: 10000 USDT. Refused for an exchange whose perpetuals trade from `balances`.
   */
  futuresBalances: z.record(z.string().min(1), balanceInputSchema).optional(),
});
export type AccountInput = z.input<typeof accountInputSchema>;

export const balancesInputSchema = z.record(z.string().min(1), balanceInputSchema);
export type BalancesInput = z.input<typeof balancesInputSchema>;

const retryAfterSec = z.number().int().min(0).max(3 * 24 * 3600);

export const faultSpecSchema = z.discriminatedUnion('kind', [
  /** Delays the answer (combined with any other matching fault). */
  z.object({ kind: z.literal('latency'), ms: z.number().int().min(0).max(120_000) }),
  /** The exchange's rate-limit answer: 429 (or Bybit's 403 IP limit) with Retry-After. */
  z.object({ kind: z.literal('rateLimit'), retryAfterSec: retryAfterSec.default(1), status: z.union([z.literal(429), z.literal(403)]).default(429) }),
  /** An IP ban: Binance's 418 with Retry-After. */
  z.object({ kind: z.literal('ban'), retryAfterSec: retryAfterSec.default(120), status: z.union([z.literal(418), z.literal(403)]).default(418) }),
  z.object({
    kind: z.literal('serverError'),
    status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).default(503),
    body: z.unknown().optional(),
  }),
  /** Never answers; the socket is closed when the simulator closes. */
  z.object({ kind: z.literal('timeout') }),
  /** Destroys the connection without an answer. */
  z.object({ kind: z.literal('reset') }),
  /** 200 with a body ccxt cannot use: HTML, truncated JSON, JSON of the wrong shape, or nothing. */
  z.object({ kind: z.literal('garbage'), mode: z.enum(['html', 'truncated', 'wrongShape', 'empty']).default('html') }),
  /** The exchange answers as for an unknown API key (the handler's own error). */
  z.object({ kind: z.literal('authFailure') }),
]);
export type FaultSpec = z.output<typeof faultSpecSchema>;

export const faultRuleInputSchema = z.object({
  /** Only this exchange; every exchange when absent. */
  exchange: exchangeIdSchema.optional(),
  /** Matches when the original URL's path contains this text. */
  path: z.string().min(1).optional(),
  /** Matches when the original URL's path matches this regular expression. */
  pathRegex: z
    .string()
    .min(1)
    .refine((s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    }, 'Expected a valid regular expression')
    .optional(),
  method: z.string().min(1).transform((m) => m.toUpperCase()).optional(),
  /** How many requests it hits before it is removed; until cleared when absent. */
  times: z.number().int().positive().optional(),
  fault: faultSpecSchema,
});
export type FaultRuleInput = z.input<typeof faultRuleInputSchema>;

export const clockSkewSchema = z.object({ ms: z.number().int().min(-86_400_000).max(86_400_000) });
export const stepSchema = z.object({ steps: z.number().int().min(1).max(10_000).default(1) });
export const requestFilterSchema = z.object({
  exchange: exchangeIdSchema.optional(),
  method: z.string().optional(),
  path: z.string().optional(),
});
export type RequestFilter = z.input<typeof requestFilterSchema>;
