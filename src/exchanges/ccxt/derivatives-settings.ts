import { InvalidResponseError, NotImplementedError } from '../../domain/errors.js';
import type { ExchangeId } from '../../domain/exchange-ids.js';
import { isDecimalString } from '../../domain/decimal-schema.js';
import type { DerivativesSettings } from '../exchange.port.js';
import type { CcxtInstance } from './ccxt-classes.js';
import { readPositionMode, type PositionMode } from './position-mode.js';
import { configureGateDerivatives } from './gate-derivatives.js';
import { configureHtxDerivatives } from './htx-derivatives.js';
import { configureOkxDerivatives } from './okx-derivatives.js';

/**
 * Exchanges whose USDT linear perpetuals CTS has set up and traded end to end through unmodified
 * ccxt against the simulator (test/engine/runtime/derivatives.simulator.test.ts for Bybit,
 * derivatives-binance.simulator.test.ts for Binance USDⓈ-M, derivatives-gate.simulator.test.ts for
 * Gate, derivatives-okx.simulator.test.ts for OKX swaps). Elsewhere a bot may not trade
 * derivatives: nothing is sent on settings nobody has checked.
 */
export const DERIVATIVES_VERIFIED: readonly ExchangeId[] = ['bybit', 'binance', 'gate', 'okx', 'htx'];

/** Exchanges whose margin mode and leverage are set and read another way than ccxt's four calls. */
const CONFIGURERS: Partial<Record<ExchangeId, typeof configureGateDerivatives>> = { gate: configureGateDerivatives, okx: configureOkxDerivatives, htx: configureHtxDerivatives };

/** Exchanges where each derivatives order names its margin mode (OKX `tdMode`, HTX `margin_mode`): the one configureDerivatives read back. */
const ORDERS_NAME_MARGIN_MODE: readonly ExchangeId[] = ['okx', 'htx'];

/** Whether each order must name its margin mode (OKX `tdMode`, okx-derivatives.ts; HTX `margin_mode`, htx-derivatives.ts). */
export function ordersNameMarginMode(exchange: ExchangeId): boolean {
  return ORDERS_NAME_MARGIN_MODE.includes(exchange);
}

/**
 * Margin mode first (an exchange may reset the leverage with it), then leverage, then both read back
 * from the exchange. A set that fails because nothing would change (Bybit 110043 "leverage not
 * modified", Binance -4046 "No need to change margin type", which ccxt 4.5.84 throws as
 * MarginModeAlreadySet) or for any other reason is not fatal by itself: what the read-back says
 * decides, and the caller refuses the start on a mismatch.
 */
export async function configureDerivatives(
  ex: CcxtInstance,
  exchange: ExchangeId,
  symbol: string,
  wanted: DerivativesSettings,
  params: () => Record<string, unknown>,
): Promise<{ settings: DerivativesSettings; refusals: string[]; positionMode: PositionMode }> {
  if (!DERIVATIVES_VERIFIED.includes(exchange)) throw new NotImplementedError(`Derivatives trading on ${exchange} is not verified in CTS yet (docs/exchanges.md)`);
  // Hedge mode first: nothing is set on an account CTS will not trade on.
  const positionMode = await readPositionMode(ex, exchange, symbol, params);
  if (positionMode === 'hedge') return { settings: wanted, refusals: [], positionMode };
  const own = CONFIGURERS[exchange];
  if (own) return { ...(await own(ex, symbol, wanted, params)), positionMode };
  const refusals: string[] = [];
  const attempt = async (what: string, call: () => Promise<unknown>): Promise<void> => {
    try {
      await call();
    } catch (error) {
      refusals.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  await attempt(`margin mode ${wanted.marginMode}`, () => ex.setMarginMode(wanted.marginMode, symbol, params()));
  await attempt(`leverage ${wanted.leverage}`, () => ex.setLeverage(Number(wanted.leverage), symbol, params()));
  const leverage: unknown = await ex.fetchLeverage(symbol, params());
  const mode: unknown = await ex.fetchMarginMode(symbol, params());
  return { settings: { leverage: leverageOf(leverage, exchange), marginMode: marginModeOf(mode, exchange) }, refusals, positionMode };
}

/** The leverage as the exchange wrote it (ccxt's own `longLeverage` is rounded to an integer). */
function leverageOf(raw: unknown, exchange: string): string {
  const record = asRecord(raw);
  const info = asRecord(record?.['info']);
  const text = info?.['leverage'] ?? record?.['longLeverage'];
  const value = typeof text === 'number' ? String(text) : text;
  if (!isDecimalString(value)) throw new InvalidResponseError(`${exchange} reported no readable leverage for the pair`);
  return value.includes('.') ? value.replace(/\.?0+$/, '') : value;
}

function marginModeOf(raw: unknown, exchange: string): DerivativesSettings['marginMode'] {
  const mode = asRecord(raw)?.['marginMode'];
  if (mode === 'isolated' || mode === 'cross') return mode;
  throw new InvalidResponseError(`${exchange} reported a margin mode CTS does not trade with (${String(mode)})`);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}
