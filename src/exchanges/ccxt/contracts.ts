import { Dec, toDecimalString, type DecimalString } from '../../domain/money.js';
import type { CcxtInstance } from './ccxt-classes.js';

/**
 * Contract sizing. CTS counts every amount in the base coin; ccxt counts a contract market's
 * amounts in contracts of `contractSize` base each (OKX sizes swaps so: BTC-USDT-SWAP is 0.01 BTC a
 * contract, https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments `ctVal`). Bybit's
 * and Binance's USDT perpetuals have a contract size of 1, so nothing changes there. Only linear
 * contracts are converted (an inverse contract is worth a quote amount, which CTS does not trade).
 * Prices are per base coin either way; ccxt's trade `cost` already counts the contract size.
 */

interface ContractMarket {
  contract?: boolean | null | undefined;
  linear?: boolean | null | undefined;
  contractSize?: number | null | undefined;
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

/** A base amount as the number ccxt's createOrder takes: contracts on a contract market, else the amount itself. */
export function baseToContracts(ex: CcxtInstance, symbol: string, amount: DecimalString): number {
  const size = contractSizeOf(ex, symbol);
  return size ? new Dec(amount).div(size).toNumber() : Number(amount);
}

const AMOUNT_FIELDS = ['amount', 'filled', 'remaining'] as const;

/** ccxt's order or trade (or a list of them) with contract amounts turned into base amounts; anything else as it is. */
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
