import { Dec } from '../../domain/money.js';
import type { DerivativesSettings } from '../exchange.port.js';
import type { CcxtInstance } from './ccxt-classes.js';

/**
 * The margin mode and leverage of an open position in `symbol`, if there is one (ccxt fetchPositions).
 * OKX and HTX answer a leverage read for whichever margin mode is asked about, so a position held under
 * the other mode is only seen here: it is what the account really trades the pair at.
 */
export async function heldPosition(ex: CcxtInstance, symbol: string, params: Record<string, unknown>): Promise<{ marginMode: DerivativesSettings['marginMode']; leverage: string | undefined } | undefined> {
  const listed: unknown = await ex.fetchPositions([symbol], params);
  if (!Array.isArray(listed)) return undefined;
  for (const entry of listed) {
    const p = asRecord(entry);
    const mode = p?.['marginMode'];
    const contracts = p?.['contracts'];
    if (p?.['symbol'] !== symbol || (mode !== 'isolated' && mode !== 'cross') || typeof contracts !== 'number' || contracts === 0) continue;
    const lever = p['leverage'];
    return { marginMode: mode, leverage: typeof lever === 'number' && Number.isFinite(lever) ? new Dec(lever).toFixed() : undefined };
  }
  return undefined;
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}
