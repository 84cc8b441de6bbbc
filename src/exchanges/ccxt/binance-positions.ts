import { InvalidResponseError } from '../../domain/errors.js';
import type { CcxtInstance } from './ccxt-classes.js';

/**
 * A Binance USDⓈ-M position. ccxt 4.5.84's `binance.fetchPosition` serves option markets only
 * ("fetchPosition() supports option markets only"), so a perpetual's position is read with
 * `fetchPositions([symbol])`: GET /fapi/v3/positionRisk
 * (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Position-Information-V3),
 * which lists a symbol only while it holds a position or an open order, and which ccxt filters to
 * entries with an entry price — so none for the symbol means flat. V3 carries no leverage (ccxt's
 * position has none; the settings are read from symbolConfig). More than one entry for the symbol is
 * hedge mode, which CTS does not trade.
 */
export function fetchBinancePosition(ex: CcxtInstance, symbol: string, params: Record<string, unknown>): Promise<unknown> {
  return fetchListedPosition(ex, symbol, params, 'Binance');
}

/**
 * An OKX swap position. ccxt 4.5.84's `okx.fetchPosition` throws NullResponse when GET
 * /api/v5/account/positions lists nothing for the instrument, which is how OKX answers a flat one
 * (https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions: open positions only); the
 * list read tells flat (none) from a failure.
 */
export function fetchOkxPosition(ex: CcxtInstance, symbol: string, params: Record<string, unknown>): Promise<unknown> {
  return fetchListedPosition(ex, symbol, params, 'OKX');
}

/**
 * An HTX USDT-margined swap position. ccxt 4.5.84's `htx.fetchPosition` parses the first row of GET
 * /v5/trade/position/opens, which lists open positions only, so a flat contract comes back as a
 * position of no symbol; the list read tells flat (none) from a failure.
 */
export function fetchHtxPosition(ex: CcxtInstance, symbol: string, params: Record<string, unknown>): Promise<unknown> {
  return fetchListedPosition(ex, symbol, params, 'HTX');
}

async function fetchListedPosition(ex: CcxtInstance, symbol: string, params: Record<string, unknown>, venue: string): Promise<unknown> {
  const listed: unknown = await ex.fetchPositions([symbol], params);
  if (!Array.isArray(listed)) throw new InvalidResponseError(`${venue} answered the positions of a symbol with something that is not a list`);
  const mine = listed.filter((p: unknown) => typeof p === 'object' && p !== null && (p as { symbol?: unknown }).symbol === symbol);
  if (mine.length > 1) throw new InvalidResponseError(`${venue} reports ${mine.length} positions for ${symbol} (hedge mode): CTS trades one-way positions only`);
  return mine[0] ?? { symbol, contracts: 0 };
}
