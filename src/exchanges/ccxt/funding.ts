import { z } from 'zod';
import { InvalidResponseError, NotImplementedError } from '../../domain/errors.js';
import type { ExchangeId } from '../../domain/exchange-ids.js';
import type { FundingPayment } from '../../domain/funding.js';
import { DECIMAL_PATTERN, Dec, toDecimalString } from '../../domain/money.js';
import { parseOrThrow, toDecimal } from './response-schemas.js';

/**
 * Funding payments from ccxt's `fetchFundingHistory`, validated and signed for the account
 * (positive received). ccxt passes each exchange's own sign through, so it is fixed here per venue,
 * and the amount is read from the exchange's own decimal text where it has one (ccxt's `amount`
 * is a float):
 * - Bybit lists a settlement in Get Trade History as `execType: Funding` with `execFee` = value ×
 *   feeRate, a fee: positive paid, negative received
 *   (https://bybit-exchange.github.io/docs/v5/order/execution); `feeRate` is the market rate for a
 *   long and its negation for a short.
 * - Binance USDⓈ-M lists it in the income history as `incomeType: FUNDING_FEE` with `income` signed
 *   for the account (positive received), and no rate
 *   (https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Get-Income-History).
 * - Gate lists it in the futures account book as `type: fund` with `change` signed for the account.
 * - OKX lists it as a bill of type 8 with `balChg` signed for the account, as Binance.
 * - HTX (USDT-margined swaps) lists it as a v5 bill of type 30 (income) / 31 (expense) with `amount`
 *   signed for the account.
 */
interface FundingConvention {
  /** The raw field with the amount as decimal text. */
  field: string;
  /** Multiplies the exchange's amount into the account's sign. */
  sign: 1 | -1;
  /** The market's funding rate from the raw row, when it can be told. */
  marketRate: (info: Readonly<Record<string, unknown>>) => string | null;
  /** The params bounding one read to [from, to] (ms) where ccxt does not map its unified `until`. */
  window?: (from: number, to: number) => Record<string, number>;
}

const CONVENTIONS: Partial<Record<ExchangeId, FundingConvention>> = {
  bybit: {
    field: 'execFee',
    sign: -1,
    marketRate: (info) => {
      const rate = info['feeRate'];
      if (typeof rate !== 'string' || !DECIMAL_PATTERN.test(rate)) return null;
      return info['side'] === 'Sell' ? toDecimalString(new Dec(rate).neg()) : info['side'] === 'Buy' ? rate : null;
    },
  },
  binance: { field: 'income', sign: 1, marketRate: () => null },
  // Gate's futures account book, `type: fund` rows: `change` signed for the account, no rate
  // (https://www.gate.com/docs/developers/apiv4/en/#query-account-book).
  // Its `to` bound is in seconds, which ccxt 4.5.84 passes through raw (it does not map `until` there).
  gate: { field: 'change', sign: 1, marketRate: () => null, window: (_from, to) => ({ to: Math.floor(to / 1000) }) },
  // OKX: ccxt reads GET /api/v5/account/bills-archive?type=8 (funding fee), `balChg` signed for the
  // account (subType 173 expense, 174 income), no rate
  // (https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-bills-details-last-3-months).
  // The bills take `begin` / `end` (ms), which ccxt 4.5.84's okx.fetchFundingHistory does not set itself
  // (it filters `since` after the answer).
  okx: { field: 'balChg', sign: 1, marketRate: () => null, window: (from, to) => ({ begin: from, end: to }) },
  // HTX: ccxt reads GET /v5/account/bills?type=30,31 (funding fee income / expense), `amount` signed for
  // the account, no rate (https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-19588463ca2).
  // ccxt maps `since` to start_time and `until` to end_time itself; it asks for `margin_mode` cross unless
  // told, so the order adapter's margin mode goes with every read (ccxt-exchange.ts).
  htx: { field: 'amount', sign: 1, marketRate: () => null },
};

/** The params bounding one funding read to [from, to] (ms): ccxt's `until`, or the exchange's own where ccxt does not map it (Gate, OKX). */
export function fundingWindowParams(exchange: ExchangeId, from: number, to: number): Record<string, number> {
  return CONVENTIONS[exchange]?.window?.(from, to) ?? { until: to };
}

/** Whether CTS knows how this exchange signs its funding payments. */
export function fundingSupported(exchange: ExchangeId): boolean {
  return CONVENTIONS[exchange] !== undefined;
}

const finite = z.number().finite();
const incomeSchema = z.object({
  id: z.string().min(1).nullish(),
  symbol: z.string().min(1),
  timestamp: z.number().int().positive(),
  amount: finite.nullish(),
  info: z.record(z.string(), z.unknown()),
});

export function toFundingPayments(raw: unknown, exchange: ExchangeId, symbol: string): FundingPayment[] {
  const convention = CONVENTIONS[exchange];
  if (!convention) throw new NotImplementedError(`Funding payments on ${exchange} are not verified in CTS yet`);
  const rows = parseOrThrow(z.array(incomeSchema), raw, 'funding history');
  const out: FundingPayment[] = [];
  for (const row of rows) {
    if (row.symbol !== symbol) continue;
    const text = row.info[convention.field];
    const exact = typeof text === 'string' && DECIMAL_PATTERN.test(text) ? new Dec(text) : row.amount === null || row.amount === undefined ? null : new Dec(toDecimal(row.amount));
    if (exact === null) throw new InvalidResponseError(`Invalid funding history from the exchange (payment ${row.id ?? row.timestamp} has no amount)`);
    out.push({
      // A row without an id is keyed by its settlement time: one payment per pair and settlement.
      id: row.id ?? `funding-${row.timestamp}`,
      symbol,
      amount: toDecimalString(exact.mul(convention.sign)),
      timestamp: row.timestamp,
      rate: convention.marketRate(row.info),
    });
  }
  return out;
}
