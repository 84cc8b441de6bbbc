import { ValidationError } from '../../domain/errors.js';
import type { ExchangeId } from '../../domain/exchange-ids.js';
import type { FeeAssets } from '../../exchanges/simulated/fill-simulator.js';
import { getProfile } from '../../exchanges/profiles/index.js';
import type { FeeAssetChoice } from './config.js';

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
