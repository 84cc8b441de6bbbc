import { InvalidResponseError } from '../../domain/errors.js';
import { isDecimalString } from '../../domain/decimal-schema.js';
import type { DerivativesSettings } from '../exchange.port.js';
import type { CcxtInstance } from './ccxt-classes.js';
import { asRecord, heldPosition } from './held-position.js';

/**
 * OKX swaps have no margin mode apart from leverage: POST /api/v5/account/set-leverage sets the
 * leverage of an instrument under one margin mode (`mgnMode`), and each order names its margin mode
 * (`tdMode`) (https://www.okx.com/docs-v5/en/#trading-account-rest-api-set-leverage). So only the
 * leverage is set, under the wanted mode (ccxt `marginMode` → `mgnMode`), and read back from GET
 * /account/leverage-info of that mode; the order adapter sends the mode with every order (ccxt
 * `marginMode` → `tdMode`, derivatives-settings.ts ordersNameMarginMode). leverage-info answers for
 * whichever mode it is asked about, so an open position in the pair (GET /account/positions) says
 * which mode the account actually trades it in. The position mode (net only) is read before this,
 * in position-mode.ts.
 */
export async function configureOkxDerivatives(
  ex: CcxtInstance,
  symbol: string,
  wanted: DerivativesSettings,
  params: () => Record<string, unknown>,
): Promise<{ settings: DerivativesSettings; refusals: string[] }> {
  const refusals: string[] = [];
  const mode = { marginMode: wanted.marginMode };
  try {
    await ex.setLeverage(Number(wanted.leverage), symbol, { ...params(), ...mode });
  } catch (error) {
    refusals.push(`leverage ${wanted.leverage}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const leverage: unknown = await ex.fetchLeverage(symbol, { ...params(), ...mode });
  const settings = { leverage: leverOf(leverage), marginMode: marginModeOf(leverage) };
  const held = await heldPosition(ex, symbol, params());
  if (!held || held.marginMode === settings.marginMode) return { settings, refusals };
  return { settings: { marginMode: held.marginMode, leverage: held.leverage ?? settings.leverage }, refusals };
}

/** The leverage as OKX wrote it: leverage-info answers a list of rows (one per position side; net mode has one), `lever`. */
function leverOf(raw: unknown): string {
  const rows = asRecord(raw)?.['info'];
  const info = asRecord(Array.isArray(rows) ? (rows.length === 1 ? rows[0] : undefined) : rows);
  const text = info?.['lever'] ?? asRecord(raw)?.['longLeverage'];
  const value = typeof text === 'number' ? String(text) : text;
  if (!isDecimalString(value)) throw new InvalidResponseError('okx reported no readable leverage for the pair');
  return value.includes('.') ? value.replace(/\.?0+$/, '') : value;
}

function marginModeOf(raw: unknown): DerivativesSettings['marginMode'] {
  const mode = asRecord(raw)?.['marginMode'];
  if (mode === 'isolated' || mode === 'cross') return mode;
  throw new InvalidResponseError(`okx reported a margin mode CTS does not trade with (${String(mode)})`);
}
