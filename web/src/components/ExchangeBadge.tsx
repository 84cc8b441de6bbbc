import { EXCHANGE_FACTS } from '../api/exchanges';
import type { ExchangeId } from '../api/types';

const INITIALS: Record<ExchangeId, string> = {
  bybit: 'BY',
  binance: 'BN',
  okx: 'OKX',
  kraken: 'KR',
  coinbase: 'CB',
  htx: 'HTX',
  gate: 'GT',
};

/** A coloured monogram standing in for the exchange's logo (no third-party artwork is bundled). */
export function ExchangeBadge({ exchange }: { exchange: ExchangeId }) {
  return (
    <span className={`exchange-badge exchange-badge--${exchange}`} title={EXCHANGE_FACTS[exchange].displayName} aria-hidden="true">
      {INITIALS[exchange]}
    </span>
  );
}
