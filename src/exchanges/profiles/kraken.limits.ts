import type { EndpointMatch, ExchangeLimitProfile, Limit, LimitProfileOptions } from '../../ratelimit/limit-rules.js';
import { breach, decaying, perSecond, post, seedBudgetRule } from '../../ratelimit/profile-kit.js';

/**
 * Kraken spot limits: decaying counters whose size depends on the account's verification tier
 * (set on the connection). Kraken sends no usage headers; breaches come back as errors
 * (`EAPI:Rate limit exceeded`, `EOrder:Rate limit exceeded`, `EService: Throttled`) which the adapter
 * turns into `RateLimitedError`.
 * Sources: https://docs.kraken.com/api/docs/guides/spot-rest-ratelimits (REST counter; ledger and
 * trade history cost 2; orders do not count here) and
 * https://docs.kraken.com/api/docs/guides/spot-ratelimits (order counter per pair; cancelling an
 * order younger than 5 s adds up to 8).
 */
export const KRAKEN_TIERS = ['starter', 'intermediate', 'pro'] as const;
export type KrakenTier = (typeof KRAKEN_TIERS)[number];

export interface KrakenLimitOptions extends LimitProfileOptions {
  /** The account's verification tier. Default `starter` (the smallest budget, so never too fast). */
  readonly tier?: KrakenTier;
}

const REST_COUNTER: Record<KrakenTier, Limit> = {
  starter: decaying(15, 0.33),
  intermediate: decaying(20, 0.5),
  pro: decaying(20, 1),
};

const ORDER_COUNTER: Record<KrakenTier, Limit> = {
  starter: decaying(60, 1),
  intermediate: decaying(125, 2.34),
  pro: decaying(180, 3.75),
};

const orderEndpoints: EndpointMatch[] = [post(/^\/0\/private\/(AddOrder|AddOrderBatch|CancelOrder|CancelAll|EditOrder|AmendOrder|CancelAllOrdersAfter)$/)];

/** The seed table says "tiered": the tier's REST counter is the per-connection budget. */
export function krakenLimits(options: KrakenLimitOptions = {}): ExchangeLimitProfile {
  const tier = options.tier ?? 'starter';
  if (!KRAKEN_TIERS.includes(tier)) {
    throw new TypeError(`Expected \`tier\` to be one of ${KRAKEN_TIERS.join(', ')}, got \`${String(tier)}\``);
  }
  return {
    exchange: 'kraken',
    breach: breach({ rateLimitedScope: 'account', defaultPauseMs: 5_000 }),
    rules: [
      ...seedBudgetRule('kraken', null, options),
      {
        id: 'kraken.account.rest-counter',
        scope: { kind: 'account' },
        limit: REST_COUNTER[tier],
        appliesTo: { endpoints: [{ path: /^\/0\/private\// }], notEndpoints: orderEndpoints },
        weights: [{ match: post(/^\/0\/private\/(Ledgers|QueryLedgers|TradesHistory|QueryTrades)$/), weight: 2 }],
        source: 'https://docs.kraken.com/api/docs/guides/spot-rest-ratelimits',
      },
      {
        // Order age is unknown here, so a cancel is charged the worst case (younger than 5 s: +8).
        id: 'kraken.pair.order-counter',
        scope: { kind: 'account+symbol' },
        limit: ORDER_COUNTER[tier],
        appliesTo: { endpoints: orderEndpoints },
        weights: [
          { match: post(/^\/0\/private\/(CancelOrder|CancelAll)$/), weight: 8 },
          { match: post(/^\/0\/private\/(EditOrder|AmendOrder)$/), weight: 9 },
        ],
        source: 'https://docs.kraken.com/api/docs/guides/spot-ratelimits',
      },
      {
        // Public market data is limited per IP; Kraken asks for about one call per second.
        id: 'kraken.ip.public',
        scope: { kind: 'ip' },
        limit: perSecond(1),
        appliesTo: { endpoints: [{ path: /^\/0\/public\// }] },
        source: 'https://docs.kraken.com/api/docs/guides/spot-rest-ratelimits',
      },
    ],
  };
}

export const krakenLimitProfile: ExchangeLimitProfile = krakenLimits();
