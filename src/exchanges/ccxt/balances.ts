import { z } from 'zod';
import type { ExchangeId } from '../../domain/exchange-ids.js';
import type { BalanceAccount } from '../profiles/index.js';
import type { BalanceEntry } from '../exchange.port.js';
import { Dec, dec, toDecimalString } from '../../domain/money.js';
import { parseOrThrow } from './response-schemas.js';

/**
 * The raw envelope each exchange's balance endpoint must have. ccxt turns any unexpected body into an
 * empty balance, which would read as "this account holds nothing" — so the raw `info` is checked too.
 */
const RAW_BALANCE: Readonly<Record<ExchangeId, z.ZodType>> = {
  // spot `balances`, USDⓈ-M futures `assets`, cross margin `userAssets`.
  binance: z.union([
    z.object({ balances: z.array(z.unknown()) }),
    z.object({ assets: z.array(z.unknown()) }),
    z.object({ userAssets: z.array(z.unknown()) }),
    z.array(z.unknown()),
  ]),
  bybit: z.object({ retCode: z.literal(0), result: z.object({ list: z.array(z.unknown()) }) }),
  okx: z.object({ code: z.literal('0'), data: z.array(z.object({ details: z.array(z.unknown()) })) }),
  kraken: z.object({ error: z.array(z.unknown()).length(0), result: z.record(z.string(), z.unknown()) }),
  coinbase: z.object({ accounts: z.array(z.unknown()) }),
  // spot {status, data.list}; linear swaps (api.hbdm.com /v5/account/balance) {code: 200, data.details}.
  htx: z.union([
    z.object({ status: z.literal('ok'), data: z.object({ list: z.array(z.unknown()) }) }),
    z.object({ code: z.literal(200), data: z.object({ details: z.array(z.unknown()) }) }),
  ]),
  // ccxt wraps the futures account object in an array itself.
  gate: z.union([z.array(z.unknown()), z.object({ balances: z.record(z.string(), z.unknown()) })]),
};

const amount = z.number().finite().nullish();
const ccxtBalanceSchema = z.object({
  info: z.unknown(),
  free: z.record(z.string(), amount),
  used: z.record(z.string(), amount),
  total: z.record(z.string(), amount),
});

/** Validated balances, one entry per asset ccxt reported (zero balances included), tagged with their account. */
export function toBalances(exchange: ExchangeId, raw: unknown, account?: BalanceAccount): BalanceEntry[] {
  const balance = parseOrThrow(ccxtBalanceSchema, raw, 'balance');
  parseOrThrow(RAW_BALANCE[exchange], balance.info, 'balance payload');
  const entries: BalanceEntry[] = [];
  for (const [asset, totalValue] of Object.entries(balance.total)) {
    const free = balance.free[asset] ?? null;
    const used = balance.used[asset] ?? null;
    if ([totalValue, free, used].some((v) => v !== null && v !== undefined && v < 0)) {
      parseOrThrow(z.never(), asset, `balance of ${asset} (negative)`);
    }
    // Missing parts are derived in decimals, never in floats (0.3 - 0.1 must stay 0.2).
    const total = totalValue !== null && totalValue !== undefined ? dec(totalValue) : dec(free ?? 0).plus(used ?? 0);
    const freeDec = free !== null ? dec(free) : Dec.max(0, total.minus(used ?? 0));
    const usedDec = used !== null ? dec(used) : Dec.max(0, total.minus(freeDec));
    const entry: BalanceEntry = { asset, free: toDecimalString(freeDec), used: toDecimalString(usedDec), total: toDecimalString(total) };
    if (account) {
      entry.account = account.account;
      entry.marketTypes = [...account.marketTypes];
    }
    entries.push(entry);
  }
  return entries;
}
