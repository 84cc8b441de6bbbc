import { ValidationError } from '../../domain/errors.js';
import type { ExchangeId } from '../../domain/exchange-ids.js';
import type { FeeAssets } from '../../exchanges/simulated/fill-simulator.js';
import { getProfile } from '../../exchanges/profiles/index.js';
import type { FeeAssetChoice } from './config.js';
import type { Market } from '../../exchanges/exchange.port.js';
import { isDerivative } from '../risk.js';

/**
 * The fee rule of a backtest. `profile` is the named venue's own rule per side (exchange profiles,
 * `fees`): Binance spot takes a buy's fee in the base asset bought, which leaves dust after every round
 * trip, and a backtest must show that. Without an exchange the default stays `quote`, as before the
 * option existed, so results of runs that name no venue do not change.
 */
export function resolveFeeAssets(choice: FeeAssetChoice | undefined, exchange: ExchangeId | undefined): FeeAssets {
  const effective = choice ?? (exchange ? 'profile' : 'quote');
  switch (effective) {
    case 'quote':
      return { buy: 'quote', sell: 'quote' };
    case 'base':
      return { buy: 'base', sell: 'base' };
    case 'profile': {
      if (!exchange) {
        throw new ValidationError("feeAsset 'profile' needs the exchange whose rule to use", [{ path: 'exchange', message: "required with feeAsset 'profile'" }]);
      }
      const { buy, sell } = getProfile(exchange).fees;
      return { buy, sell };
    }
  }
}

/**
 * The fee rule of a run on `market`: a USDT-margined perpetual is charged in its settle currency on
 * every venue (no coin changes hands), so `profile` means quote there, and `base` is refused.
 */
export function feeAssetsFor(choice: FeeAssetChoice | undefined, exchange: ExchangeId | undefined, market: Market): FeeAssets {
  if (!isDerivative(market)) return resolveFeeAssets(choice, exchange);
  if (choice === 'base') {
    throw new ValidationError(`${market.symbol} is a perpetual: its fees are charged in ${market.quote}, never in ${market.base}`, [{ path: 'feeAsset', message: 'perpetual fees are in the settle currency' }]);
  }
  if (choice === 'profile' && !exchange) resolveFeeAssets(choice, exchange); // the same refusal as on spot
  return { buy: 'quote', sell: 'quote' };
}
