import { InvalidResponseError } from '../../domain/errors.js';
import { isDecimalString } from '../../domain/decimal-schema.js';
import type { DerivativesSettings } from '../exchange.port.js';
import type { CcxtInstance } from './ccxt-classes.js';
import { asRecord, heldPosition } from './held-position.js';

/**
 * HTX USDT-margined swaps (the v5 API ccxt 4.5.84 uses for linear swaps) keep a leverage per
 * contract and margin mode, and each order names its margin mode (`margin_mode`, ccxt
 * `marginMode`, whose default there is `cross`). ccxt 4.5.84's htx has setLeverage
 * (POST /v5/position/lever with `margin_mode`) but no setMarginMode, fetchLeverage or
 * fetchMarginMode. So, as OKX's: the leverage is set under the wanted mode, read back raw from
 * GET /v5/position/lever for that contract and mode
 * (https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-19594266bdc), and the order
 * adapter sends the mode with every order (derivatives-settings.ts ordersNameMarginMode). An open
 * position in the pair (GET /v5/trade/position/opens) says which mode the account actually trades it
 * in. ccxt raises only for the v5 codes in its table, so a refused set-leverage (1037, 1045) comes
 * back as an answer without data: it is caught here by its `code` and by the read-back.
 */
export async function configureHtxDerivatives(
  ex: CcxtInstance,
  symbol: string,
  wanted: DerivativesSettings,
  params: () => Record<string, unknown>,
): Promise<{ settings: DerivativesSettings; refusals: string[] }> {
  const refusals: string[] = [];
  const code = ex.market(symbol).id ?? symbol;
  try {
    const answer: unknown = await ex.setLeverage(Number(wanted.leverage), symbol, { ...params(), marginMode: wanted.marginMode });
    const status = asRecord(answer)?.['code'];
    if (status !== undefined && status !== 200) refusals.push(`leverage ${wanted.leverage}: ${JSON.stringify(answer)}`);
  } catch (error) {
    refusals.push(`leverage ${wanted.leverage}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const read: unknown = await ex.contractPrivateGetV5PositionLever({ ...params(), contract_code: code, margin_mode: wanted.marginMode });
  const settings = { leverage: leverOf(read, code, wanted.marginMode), marginMode: wanted.marginMode };
  const held = await heldPosition(ex, symbol, params());
  if (!held || held.marginMode === settings.marginMode) return { settings, refusals };
  return { settings: { marginMode: held.marginMode, leverage: held.leverage ?? settings.leverage }, refusals };
}

function leverOf(raw: unknown, code: string, mode: string): string {
  const rows = asRecord(raw)?.['data'];
  const row = Array.isArray(rows) ? rows.map(asRecord).find((r) => r?.['contract_code'] === code && r['margin_mode'] === mode) : undefined;
  const text = row?.['lever_rate'];
  const value = typeof text === 'number' ? String(text) : text;
  if (!isDecimalString(value)) throw new InvalidResponseError('HTX reported no readable leverage for the contract');
  return value.includes('.') ? value.replace(/\.?0+$/, '') : value;
}
