import { InvalidResponseError } from '../../domain/errors.js';
import { isDecimalString } from '../../domain/decimal-schema.js';
import { Dec } from '../../domain/money.js';
import type { DerivativesSettings } from '../exchange.port.js';
import type { CcxtInstance } from './ccxt-classes.js';

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

/** The margin mode and leverage of an open position in `symbol`, if there is one (ccxt fetchPositions). */
async function heldPosition(ex: CcxtInstance, symbol: string, params: Record<string, unknown>): Promise<{ marginMode: DerivativesSettings['marginMode']; leverage: string | undefined } | undefined> {
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

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}
