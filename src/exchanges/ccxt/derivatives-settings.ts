import { ConflictError, InvalidResponseError, NotImplementedError } from '../../domain/errors.js';
import type { ExchangeId } from '../../domain/exchange-ids.js';
import { isDecimalString } from '../../domain/decimal-schema.js';
import { Dec } from '../../domain/money.js';
import type { DerivativesSettings } from '../exchange.port.js';
import type { CcxtInstance } from './ccxt-classes.js';

/**
 * Exchanges whose USDT linear perpetuals CTS has set up and traded end to end through unmodified
 * ccxt against the simulator (test/engine/runtime/derivatives.simulator.test.ts for Bybit,
 * derivatives-binance.simulator.test.ts for Binance USDⓈ-M). Elsewhere a bot may not trade
 * derivatives: nothing is sent on settings nobody has checked.
 */
export const DERIVATIVES_VERIFIED: readonly ExchangeId[] = ['bybit', 'binance', 'okx'];

/**
 * How one exchange takes and reports the settings, where it differs from ccxt's plain calls:
 * - OKX has no margin mode apart from leverage: POST /api/v5/account/set-leverage sets the leverage of
 *   an instrument under one margin mode (`mgnMode`), and each order names its margin mode (`tdMode`)
 *   (https://www.okx.com/docs-v5/en/#trading-account-rest-api-set-leverage). So only the leverage is
 *   set, under the wanted mode, and read back from GET /account/leverage-info of that mode; the order
 *   adapter sends the mode with every order (ccxt `marginMode` → `tdMode`). The account's position
 *   mode must be net (one-way): long/short mode refuses the start (GET /account/config `posMode`).
 */
interface SettingsConvention {
  /** Whether setMarginMode is called (OKX: no, the mode is set with the leverage). */
  readonly setsMarginMode: boolean;
  /** Extra params of setLeverage and fetchLeverage. */
  readonly leverageParams: (wanted: DerivativesSettings) => Record<string, unknown>;
  /** Where the margin mode is read back: ccxt fetchMarginMode, or the leverage read's own `marginMode`. */
  readonly marginModeFrom: 'fetchMarginMode' | 'leverage';
  /** Whether the account's position mode is read first, and hedge mode refused. */
  readonly oneWayCheck: boolean;
}

const PLAIN: SettingsConvention = { setsMarginMode: true, leverageParams: () => ({}), marginModeFrom: 'fetchMarginMode', oneWayCheck: false };
const CONVENTIONS: Partial<Record<ExchangeId, SettingsConvention>> = {
  okx: { setsMarginMode: false, leverageParams: (wanted) => ({ marginMode: wanted.marginMode }), marginModeFrom: 'leverage', oneWayCheck: true },
};

/** Whether each order must name its margin mode (OKX `tdMode`): the mode configureDerivatives set. */
export function ordersNameMarginMode(exchange: ExchangeId): boolean {
  return CONVENTIONS[exchange]?.marginModeFrom === 'leverage';
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
): Promise<{ settings: DerivativesSettings; refusals: string[] }> {
  if (!DERIVATIVES_VERIFIED.includes(exchange)) throw new NotImplementedError(`Derivatives trading on ${exchange} is not verified in CTS yet (docs/exchanges.md)`);
  const convention = CONVENTIONS[exchange] ?? PLAIN;
  if (convention.oneWayCheck) {
    const mode: unknown = await ex.fetchPositionMode(symbol, params());
    if (asRecord(mode)?.['hedged'] !== false) {
      throw new ConflictError(`${exchange} reports the account in hedge (long/short) position mode: CTS trades one-way positions only; switch the account to one-way (net) mode`);
    }
  }
  const refusals: string[] = [];
  const attempt = async (what: string, call: () => Promise<unknown>): Promise<void> => {
    try {
      await call();
    } catch (error) {
      refusals.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const extra = convention.leverageParams(wanted);
  if (convention.setsMarginMode) await attempt(`margin mode ${wanted.marginMode}`, () => ex.setMarginMode(wanted.marginMode, symbol, params()));
  await attempt(`leverage ${wanted.leverage}`, () => ex.setLeverage(Number(wanted.leverage), symbol, { ...params(), ...extra }));
  const leverage: unknown = await ex.fetchLeverage(symbol, { ...params(), ...extra });
  const mode: unknown = convention.marginModeFrom === 'leverage' ? leverage : await ex.fetchMarginMode(symbol, params());
  const settings = { leverage: leverageOf(leverage, exchange), marginMode: marginModeOf(mode, exchange) };
  // OKX's leverage-info answers for whichever mode it is asked about: an open position says which mode the account trades.
  const held = convention.marginModeFrom === 'leverage' ? await heldPosition(ex, symbol, params()) : undefined;
  if (!held || held.marginMode === settings.marginMode) return { settings, refusals };
  return { settings: { marginMode: held.marginMode, leverage: held.leverage ?? settings.leverage }, refusals };
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

/** The leverage as the exchange wrote it (ccxt's own `longLeverage` is rounded to an integer). */
function leverageOf(raw: unknown, exchange: string): string {
  const record = asRecord(raw);
  // OKX's leverage-info answers a list of rows (one per position side; net mode has one).
  const rawInfo = record?.['info'];
  const info = asRecord(Array.isArray(rawInfo) ? (rawInfo.length === 1 ? rawInfo[0] : undefined) : rawInfo);
  const okxLever = info?.['lever'];
  const text = info?.['leverage'] ?? okxLever ?? record?.['longLeverage'];
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
