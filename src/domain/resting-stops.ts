import type { ExchangeId, MarketType } from './exchange-ids.js';
import type { OrderTrigger } from './orders.js';

/**
 * Where a bot's stop orders rest (docs/protection.md), for the engine's adapter and for the start
 * form, which tells a trader before the start whether the position stays protected while CTS is down.
 */

/**
 * Live exchanges and market types where a resting stop-loss has been tried end to end (placed,
 * listed, cancelled, filled and reconciled through unmodified ccxt against the simulator). Elsewhere
 * the engine's own check on every price protects, while CTS runs.
 */
export const RESTING_STOPS_VERIFIED: Readonly<Partial<Record<ExchangeId, readonly MarketType[]>>> = { binance: ['spot', 'futures'], bybit: ['spot', 'futures'], okx: ['spot'] };

/** The stop orders a bot's venue rests for it: the simulated account of paper and replay both; a live exchange at most a stop-loss. */
export function restingStopKinds(mode: 'live' | 'testnet' | 'paper' | 'replay', exchange: ExchangeId, marketType: MarketType): readonly OrderTrigger['kind'][] {
  if (mode === 'paper' || mode === 'replay') return ['stop-loss', 'take-profit'];
  return RESTING_STOPS_VERIFIED[exchange]?.includes(marketType) ? ['stop-loss'] : [];
}

/** One sentence for the start form: where this bot's stop-loss and take-profit would live. */
export function protectionNote(mode: 'live' | 'testnet' | 'paper' | 'replay', exchange: ExchangeId, marketType: MarketType, displayName: string): string {
  const kinds = restingStopKinds(mode, exchange, marketType);
  if (kinds.includes('take-profit')) return 'The stop-loss, trailing stop and take-profit rest as stop orders in the simulated account and fill inside the candle.';
  if (kinds.includes('stop-loss')) {
    return `The stop-loss (or trailing stop) rests on ${displayName} as a stop order from the entry on, so it protects the position while CTS is down; the take-profit is checked by CTS on every price.`;
  }
  return `${displayName} ${marketType} stop orders are not used by CTS yet: the stop-loss, trailing stop and take-profit are checked by CTS on every price (every 2 s) while it runs — nothing protects the position while CTS is down.`;
}
