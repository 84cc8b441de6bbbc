import type { ExchangeId } from '../../domain/exchange-ids.js';
import { binanceLimits } from './binance.limits.js';
import { bybitLimits } from './bybit.limits.js';
import { coinbaseLimits } from './coinbase.limits.js';
import { gateLimits } from './gate.limits.js';
import { htxLimits } from './htx.limits.js';
import { krakenLimits, type KrakenLimitOptions } from './kraken.limits.js';
import { okxLimits } from './okx.limits.js';
import type { ExchangeLimitProfile, LimitProfileOptions } from '../../ratelimit/limit-rules.js';

export type LimitProfileOptionsByExchange = Partial<Record<Exclude<ExchangeId, 'kraken'>, LimitProfileOptions>> & {
  readonly kraken?: KrakenLimitOptions;
};

/** The limit profile of every supported exchange, for the composition root. */
export function exchangeLimitProfiles(options: LimitProfileOptionsByExchange = {}): Record<ExchangeId, ExchangeLimitProfile> {
  return {
    binance: binanceLimits(options.binance),
    bybit: bybitLimits(options.bybit),
    okx: okxLimits(options.okx),
    kraken: krakenLimits(options.kraken),
    coinbase: coinbaseLimits(options.coinbase),
    htx: htxLimits(options.htx),
    gate: gateLimits(options.gate),
  };
}

/** One connection's profile: its exchange's rules with its own options (Kraken tier, seed budget). */
export function limitProfileFor(exchange: ExchangeId, options: KrakenLimitOptions = {}): ExchangeLimitProfile {
  return exchangeLimitProfiles({ [exchange]: options })[exchange];
}
