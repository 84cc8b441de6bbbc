import { ValidationError } from '../../domain/errors.js';
import { Dec, type DecimalString } from '../../domain/money.js';
import type { CcxtInstance } from './ccxt-classes.js';

/** A ccxt float as the decimal it prints as. */
const toDecimal = (value: number): DecimalString => new Dec(value).toFixed();

/**
 * CTS counts every amount in the base coin; ccxt counts a contract market's amounts in contracts
 * (its `amount`, `filled`, `remaining`, its markets' amount precision and limits), each of
 * `contractSize` base coins. Where that is not 1 — Gate's USDT perpetuals, whose contracts are
 * `quanto_multiplier` coins (BTC_USDT 0.0001 BTC; https://www.gate.com/docs/developers/apiv4/en/#futures-contract
 * and ccxt 4.5.84 gate.parseContractMarket) — amounts are converted here, at the ccxt boundary: an
 * order's base amount is sent as contracts, and what ccxt answers in contracts is read as base.
 * Elsewhere (spot, and linear perpetuals of contract size 1: Bybit, Binance) nothing changes.
 */

/** The base quantity of one contract of `symbol`'s market, when it is a contract market whose contract is not 1 coin. */
export function contractSizeOf(ex: CcxtInstance, symbol: string): Dec | undefined {
  const markets: unknown = ex.markets;
  if (typeof markets !== 'object' || markets === null || !(symbol in markets)) return undefined;
  const market = ex.market(symbol);
  const size = market.contractSize;
  if (market.contract !== true || size === undefined || size === null || !(size > 0) || size === 1) return undefined;
  return new Dec(toDecimal(size));
}

/** A base amount of `symbol` as ccxt's contracts; an amount that is not a whole number of contracts is refused. */
export function toCcxtAmount(ex: CcxtInstance, symbol: string, amount: DecimalString): number {
  const size = contractSizeOf(ex, symbol);
  if (!size) return Number(amount);
  const contracts = new Dec(amount).div(size);
  if (!contracts.isInteger()) throw new ValidationError(`${symbol}: ${amount} is not a whole number of contracts of ${size.toFixed()}`, [{ path: 'amount', message: `a multiple of ${size.toFixed()}` }]);
  return contracts.toNumber();
}

const SCALED = ['amount', 'filled', 'remaining'] as const;

/** ccxt's order or trade (or a list of them) with its amounts in base, by the contract size of its own `symbol`. */
export function toBaseAmounts(ex: CcxtInstance, raw: unknown): unknown {
  if (Array.isArray(raw)) return raw.map((item: unknown) => toBaseAmounts(ex, item));
  if (typeof raw !== 'object' || raw === null) return raw;
  const record = raw as Record<string, unknown>;
  const symbol = record['symbol'];
  const size = typeof symbol === 'string' ? contractSizeOf(ex, symbol) : undefined;
  if (!size) return raw;
  const out: Record<string, unknown> = { ...record };
  for (const key of SCALED) {
    const value = record[key];
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = new Dec(toDecimal(value)).mul(size).toNumber();
  }
  return out;
}

/** A market's amount step, minimum and maximum in base: ccxt states them in contracts. */
export function marketAmountsInBase<T extends { amountStep: DecimalString | null; minAmount: DecimalString | null; maxAmount: DecimalString | null }>(
  market: T,
  contractSize: number | null | undefined,
  contract: boolean | null | undefined,
): T {
  if (contract !== true || contractSize === null || contractSize === undefined || !(contractSize > 0) || contractSize === 1) return market;
  const size = new Dec(toDecimal(contractSize));
  const scale = (v: DecimalString | null): DecimalString | null => (v === null ? null : new Dec(v).mul(size).toFixed());
  return { ...market, amountStep: scale(market.amountStep), minAmount: scale(market.minAmount), maxAmount: scale(market.maxAmount) };
}
