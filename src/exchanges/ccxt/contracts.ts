import { ValidationError } from '../../domain/errors.js';
import { Dec, toDecimalString, type DecimalString } from '../../domain/money.js';
import type { CcxtInstance } from './ccxt-classes.js';

/**
 * Contract sizing, at the ccxt boundary. CTS counts every amount in the base coin; ccxt counts a
 * contract market's amounts in contracts of `contractSize` base each (its `amount`, `filled`,
 * `remaining`, its markets' amount precision and limits). Where that is not 1 they are converted
 * here: an order's base amount is sent as contracts, and what ccxt answers in contracts is read as base.
 * - OKX swaps: BTC-USDT-SWAP is 0.01 BTC a contract, traded in lots of 0.01 contract
 *   (https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments `ctVal`, `lotSz`).
 * - Gate USDT perpetuals: contracts of `quanto_multiplier` coins (BTC_USDT 0.0001 BTC), whole contracts
 *   only (https://www.gate.com/docs/developers/apiv4/en/#futures-contract, ccxt 4.5.84 gate.parseContractMarket).
 * Bybit's and Binance's USDT perpetuals have a contract size of 1, and spot has none: nothing changes
 * there. Only linear contracts are converted (an inverse contract is worth a quote amount, which CTS
 * does not trade). Prices are per base coin either way; ccxt's trade `cost` already counts the contract size.
 */

interface ContractMarket {
  contract?: boolean | null | undefined;
  linear?: boolean | null | undefined;
  contractSize?: number | null | undefined;
  precision?: { amount?: number | null | undefined } | null | undefined;
}

function marketOf(ex: CcxtInstance, symbol: unknown): ContractMarket | undefined {
  const markets: unknown = ex.markets;
  if (typeof symbol !== 'string' || typeof markets !== 'object' || markets === null || !(symbol in markets)) return undefined;
  return (markets as Record<string, ContractMarket | undefined>)[symbol];
}

/** The base coin per contract of a linear contract market whose contract is not one base coin; undefined otherwise. */
export function contractSizeOf(ex: CcxtInstance, symbol: string): Dec | undefined {
  return sizeOf(marketOf(ex, symbol));
}

function sizeOf(m: ContractMarket | undefined): Dec | undefined {
  if (m?.contract !== true || m.linear === false || typeof m.contractSize !== 'number' || !(m.contractSize > 0) || m.contractSize === 1) return undefined;
  return new Dec(m.contractSize);
}

/**
 * A base amount as the number ccxt's createOrder takes: contracts on a contract market, else the
 * amount itself. An amount that is not a whole number of the market's lots (its amount precision in
 * contracts: Gate 1, OKX `lotSz`; whole contracts where ccxt lists none) is refused before it is
 * sent, as ccxt would round it away.
 */
export function baseToContracts(ex: CcxtInstance, symbol: string, amount: DecimalString): number {
  const market = marketOf(ex, symbol);
  const size = sizeOf(market);
  if (!size) return Number(amount);
  const contracts = new Dec(amount).div(size);
  const step = market?.precision?.amount;
  const lot = typeof step === 'number' && step > 0 ? new Dec(step) : new Dec(1);
  if (!contracts.mod(lot).isZero()) {
    const inBaseLot = toDecimalString(lot.mul(size));
    throw new ValidationError(`${symbol}: ${amount} is not a whole number of lots of ${lot.toFixed()} contract(s) of ${size.toFixed()} (${inBaseLot} in base)`, [{ path: 'amount', message: `a multiple of ${inBaseLot}` }]);
  }
  return contracts.toNumber();
}

const AMOUNT_FIELDS = ['amount', 'filled', 'remaining'] as const;

/** ccxt's order or trade (or a list of them) with contract amounts turned into base amounts, by its own `symbol`'s contract size; anything else as it is. */
export function inBase(ex: CcxtInstance, raw: unknown): unknown {
  if (Array.isArray(raw)) return raw.map((item: unknown) => inBase(ex, item));
  if (typeof raw !== 'object' || raw === null) return raw;
  const record = raw as Record<string, unknown>;
  const size = sizeOf(marketOf(ex, record['symbol']));
  if (!size) return raw;
  const out: Record<string, unknown> = { ...record };
  for (const field of AMOUNT_FIELDS) {
    const value = record[field];
    if (typeof value === 'number' && Number.isFinite(value)) out[field] = new Dec(value).mul(size).toNumber();
  }
  return out;
}

/** A market's amount step, minimum and maximum in base (ccxt lists them in contracts). */
export function marketAmountsInBase<T extends { amountStep: DecimalString | null; minAmount: DecimalString | null; maxAmount: DecimalString | null }>(market: T, raw: ContractMarket): T {
  const size = sizeOf(raw);
  if (!size) return market;
  const scale = (v: DecimalString | null): DecimalString | null => (v === null ? null : toDecimalString(new Dec(v).mul(size)));
  return { ...market, amountStep: scale(market.amountStep), minAmount: scale(market.minAmount), maxAmount: scale(market.maxAmount) };
}
