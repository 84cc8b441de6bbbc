import { InvalidResponseError } from '../../domain/errors.js';
import { isDecimalString } from '../../domain/decimal-schema.js';
import type { DerivativesSettings } from '../exchange.port.js';
import type { CcxtInstance } from './ccxt-classes.js';

/**
 * Gate USDT perpetuals keep the margin mode in the leverage: "Position leverage. 0 means cross
 * margin; positive number means isolated margin", the cross leverage then being
 * `cross_leverage_limit` (https://www.gate.com/docs/developers/apiv4/en/#update-position-leverage,
 * Position model). ccxt 4.5.84's gate has no setMarginMode / fetchMarginMode, and its fetchLeverage
 * serves spot margin and unified accounts only; its setLeverage sends leverage 0 with
 * cross_leverage_limit for `params.marginMode: 'cross'`, and its position's `marginMode` and
 * `info.leverage` / `info.cross_leverage_limit` say what the contract is set to. So one call sets
 * both (POST /futures/usdt/positions/{contract}/leverage), and the position
 * (GET /futures/usdt/positions/{contract}) reads them back.
 */
export async function configureGateDerivatives(
  ex: CcxtInstance,
  symbol: string,
  wanted: DerivativesSettings,
  params: () => Record<string, unknown>,
): Promise<{ settings: DerivativesSettings; refusals: string[] }> {
  const refusals: string[] = [];
  try {
    await ex.setLeverage(Number(wanted.leverage), symbol, { ...params(), marginMode: wanted.marginMode });
  } catch (error) {
    refusals.push(`${wanted.marginMode} at leverage ${wanted.leverage}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const position: unknown = await ex.fetchPosition(symbol, params());
  return { settings: settingsOf(position), refusals };
}

function settingsOf(raw: unknown): DerivativesSettings {
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const info = typeof record['info'] === 'object' && record['info'] !== null ? (record['info'] as Record<string, unknown>) : {};
  const mode = record['marginMode'];
  if (mode !== 'isolated' && mode !== 'cross') throw new InvalidResponseError(`Gate reported a margin mode CTS does not trade with (${String(mode)})`);
  const text = mode === 'cross' ? info['cross_leverage_limit'] : info['leverage'];
  if (!isDecimalString(text) || Number(text) <= 0) throw new InvalidResponseError('Gate reported no readable leverage for the contract');
  return { leverage: text.includes('.') ? text.replace(/\.?0+$/, '') : text, marginMode: mode };
}
