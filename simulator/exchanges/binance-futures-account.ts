import { Dec } from '../../src/domain/money.js';
import type { DerivativesVenue } from '../matching/derivatives.js';
import type { PerpSpec } from '../matching/derivatives-types.js';
import { futuresWalletOf } from '../matching/perp-markets.js';
import type { SimContext, SimResponse } from '../types.js';
import { type BinanceCall, binanceError, type Endpoint, fixed, missingParam, type Params } from './binance-common.js';
import { perpById, perpsOf, withPerp } from './binance-futures-common.js';
import {
  fillIncome,
  fundingIncome,
  futuresAccount,
  futuresBalances,
  isActive,
  leverageBracket,
  perpId,
  positionRiskV2,
  positionRiskV3,
  symbolConfig,
  type IncomeRow,
  type IncomeType,
} from './binance-futures-shapes.js';
import { json } from './common.js';

/**
 * Binance USDⓈ-M account and position endpoints (…/usds-margined-futures/account/rest-api and
 * …/trade/rest-api): the futures wallet, positions, leverage, margin type, position mode and income.
 * One-way position mode only: hedge mode is refused.
 */


/** Every symbol's object with no `symbol` parameter, else that one's (-1121 when not listed). */
function symbolOrAll(ctx: SimContext, params: Params, one: (spec: PerpSpec, d: DerivativesVenue) => unknown, all: (d: DerivativesVenue) => unknown): SimResponse {
  if (params['symbol'] !== undefined) return withPerp(ctx, params, (spec, d) => json(200, one(spec, d)));
  return json(200, all(perpsOf(ctx)));
}

const INCOME_TYPES = new Set([
  'TRANSFER', 'WELCOME_BONUS', 'REALIZED_PNL', 'FUNDING_FEE', 'COMMISSION', 'INSURANCE_CLEAR', 'REFERRAL_KICKBACK', 'COMMISSION_REBATE', 'API_REBATE',
  'CONTEST_REWARD', 'CROSS_COLLATERAL_TRANSFER', 'OPTIONS_PREMIUM_FEE', 'OPTIONS_SETTLE_PROFIT', 'INTERNAL_TRANSFER', 'AUTO_EXCHANGE', 'DELIVERED_SETTELMENT',
  'COIN_SWAP_DEPOSIT', 'COIN_SWAP_WITHDRAW', 'POSITION_LIMIT_INCREASE_FEE', 'STRATEGY_UMFUTURES_TRANSFER', 'FEE_RETURN', 'BFUSD_REWARD',
]);

export const binanceFuturesAccount: Record<string, Endpoint> = {
  // Futures Account Balance V2 / V3, …/account/rest-api/Futures-Account-Balance-V2 (-V3)
  'GET /fapi/v2/balance': { security: 'signed', weight: fixed(5), run: ({ ctx, account }) => json(200, futuresBalances(futuresWalletOf(account), perpsOf(ctx), account.apiKey, ctx.exchangeNow())) },
  'GET /fapi/v3/balance': { security: 'signed', weight: fixed(5), run: ({ ctx, account }) => json(200, futuresBalances(futuresWalletOf(account), perpsOf(ctx), account.apiKey, ctx.exchangeNow())) },
  // Account Information V2 / V3: ccxt 4.5.84's fetchBalance on a swap account reads V3.
  'GET /fapi/v2/account': { security: 'signed', weight: fixed(5), run: ({ ctx, account }) => json(200, futuresAccount(account, futuresWalletOf(account), perpsOf(ctx), ctx.exchangeNow(), 'v2')) },
  'GET /fapi/v3/account': { security: 'signed', weight: fixed(5), run: ({ ctx, account }) => json(200, futuresAccount(account, futuresWalletOf(account), perpsOf(ctx), ctx.exchangeNow(), 'v3')) },
  // Position Information V3 (what ccxt's fetchPositions reads) and V2, …/trade/rest-api/Position-Information-V3 (-V2)
  'GET /fapi/v3/positionRisk': {
    security: 'signed',
    weight: fixed(5),
    run: ({ ctx, params, account }) =>
      symbolOrAll(
        ctx,
        params,
        (spec, d) => (isActive(d, account.apiKey, spec) ? [positionRiskV3(d, account.apiKey, spec)] : []),
        (d) => d.perps().filter((s) => isActive(d, account.apiKey, s)).map((s) => positionRiskV3(d, account.apiKey, s)),
      ),
  },
  'GET /fapi/v2/positionRisk': {
    security: 'signed',
    weight: fixed(5),
    run: ({ ctx, params, account }) =>
      symbolOrAll(
        ctx,
        params,
        (spec, d) => [positionRiskV2(d, account.apiKey, spec)],
        (d) => d.perps().map((s) => positionRiskV2(d, account.apiKey, s)),
      ),
  },
  // Symbol Configuration, …/account/rest-api/Symbol-Config: ccxt's fetchLeverage(s) and fetchMarginMode.
  'GET /fapi/v1/symbolConfig': {
    security: 'signed',
    weight: fixed(5),
    run: ({ ctx, params, account }) =>
      symbolOrAll(
        ctx,
        params,
        (spec, d) => [symbolConfig(d, account.apiKey, spec)],
        (d) => d.perps().map((s) => symbolConfig(d, account.apiKey, s)),
      ),
  },
  // Notional and Leverage Brackets, …/account/rest-api/Notional-and-Leverage-Brackets: an object when asked by symbol.
  'GET /fapi/v1/leverageBracket': {
    security: 'signed',
    weight: fixed(1),
    run: ({ ctx, params }) =>
      symbolOrAll(
        ctx,
        params,
        (spec) => leverageBracket(spec),
        (d) => d.perps().map(leverageBracket),
      ),
  },
  // User Commission Rate, …/account/rest-api/User-Commission-Rate
  'GET /fapi/v1/commissionRate': {
    security: 'signed',
    weight: fixed(20),
    run: ({ ctx, params }) => withPerp(ctx, params, (spec, d) => json(200, { symbol: perpId(spec), makerCommissionRate: d.fees.maker, takerCommissionRate: d.fees.taker })),
  },
  // Change Initial Leverage, …/trade/rest-api/Change-Initial-Leverage
  'POST /fapi/v1/leverage': { security: 'trade', weight: fixed(1), run: changeLeverage },
  // Change Margin Type, …/trade/rest-api/Change-Margin-Type
  'POST /fapi/v1/marginType': { security: 'trade', weight: fixed(1), run: changeMarginType },
  // Get Current Position Mode / Change Position Mode, …/account/rest-api/Get-Current-Position-Mode
  'GET /fapi/v1/positionSide/dual': {
    security: 'signed',
    weight: fixed(30),
    run: ({ account }) => json(200, { dualSidePosition: account.positionMode === 'hedge' }),
  },
  'POST /fapi/v1/positionSide/dual': { security: 'trade', weight: fixed(1), run: changePositionMode },
  // Get Income History, …/account/rest-api/Get-Income-History
  'GET /fapi/v1/income': { security: 'signed', weight: fixed(30), run: incomeHistory },
};

/**
 * An integer from 1 to the symbol's bracket maximum (-4028 beyond it); the same leverage again is
 * answered as a change (Binance has no "not modified" here); lowering an isolated position's
 * leverage is refused with -4161, and a raise of margin the wallet cannot cover with -2028.
 */
function changeLeverage({ ctx, params, account }: Parameters<Endpoint['run']>[0]): SimResponse {
  return withPerp(ctx, params, (spec, d) => {
    const raw = params['leverage'];
    if (raw === undefined) return missingParam('leverage');
    if (!/^\d+$/.test(raw)) return binanceError(400, -1130, "Data sent for parameter 'leverage' is not valid.");
    const lev = new Dec(raw);
    if (lev.lt(1) || lev.gt(spec.maxLeverage)) return binanceError(400, -4028, `Leverage ${raw} is not valid`);
    const current = d.settings(account.apiKey, spec.symbol);
    const position = d.position(account.apiKey, spec.symbol);
    if (current.marginMode === 'isolated' && position.size !== '0' && lev.lt(current.leverage)) {
      return binanceError(400, -4161, 'Leverage reduction is not supported in Isolated Margin Mode with open positions');
    }
    const result = d.setLeverage(account, spec.symbol, lev.toFixed());
    if (!result.ok && result.rejection.kind === 'insufficient_margin') return binanceError(400, -2028, 'Leverage is smaller than permitted: insufficient margin balance.');
    if (!result.ok && result.rejection.kind !== 'not_modified') return binanceError(400, -4028, `Leverage ${raw} is not valid`);
    return json(200, { leverage: lev.toNumber(), maxNotionalValue: symbolConfig(d, account.apiKey, spec)['maxNotionalValue'], symbol: perpId(spec) });
  });
}

/** ISOLATED or CROSSED per symbol: -4046 when already so, -4048 with a position, -4047 with an open order. */
function changeMarginType({ ctx, params, account }: Parameters<Endpoint['run']>[0]): SimResponse {
  return withPerp(ctx, params, (spec, d) => {
    const raw = params['marginType'];
    if (raw === undefined) return missingParam('marginType');
    const mode = raw.toUpperCase() === 'ISOLATED' ? 'isolated' : raw.toUpperCase() === 'CROSSED' ? 'cross' : undefined;
    if (mode === undefined) return binanceError(400, -1130, "Data sent for parameter 'marginType' is not valid.");
    if (d.settings(account.apiKey, spec.symbol).marginMode === mode) return binanceError(400, -4046, 'No need to change margin type.');
    const result = d.setMarginMode(account, [spec.symbol], mode);
    if (result.ok) return json(200, { code: 200, msg: 'success' });
    if (result.rejection.kind === 'position_or_order_open') {
      return result.rejection.holds === 'position'
        ? binanceError(400, -4048, 'Margin type cannot be changed if there exists position.')
        : binanceError(400, -4047, 'Margin type cannot be changed if there exists open orders.');
    }
    return binanceError(400, -1121, 'Invalid symbol.');
  });
}

/**
 * Income rows of the account, oldest first, at most `limit` (default 100, max 1000): from
 * `startTime` when given, else the most recent. Simplification: the 7-day default window is not
 * applied, because a funding row is stamped with the price path's time and a fill with the clock's.
 */
function incomeHistory({ ctx, params, account }: Parameters<Endpoint['run']>[0]): SimResponse {
  const d = perpsOf(ctx);
  const spec = perpById(d, params['symbol']);
  if (params['symbol'] !== undefined && !spec) return binanceError(400, -1121, 'Invalid symbol.');
  const type = params['incomeType'];
  if (type !== undefined && !INCOME_TYPES.has(type)) return binanceError(400, -1130, "Data sent for parameter 'incomeType' is not valid.");
  const start = params['startTime'] !== undefined ? Number(params['startTime']) : undefined;
  const end = params['endTime'] !== undefined ? Number(params['endTime']) : undefined;
  if (start !== undefined && end !== undefined && start > end) return binanceError(400, -1023, 'Start time is greater than end time.');
  const limit = Math.max(1, Math.min(1000, Number(params['limit'] ?? 100)));
  const specOf = (symbol: string): PerpSpec => {
    const s = d.perp(symbol);
    if (!s) throw new Error(`Unknown perpetual ${symbol}`);
    return s;
  };
  const rows: IncomeRow[] = [];
  for (const f of d.fills(account.apiKey, spec ? { symbol: spec.symbol } : {})) rows.push(...fillIncome(f, specOf(f.symbol)));
  for (const p of d.fundingPayments(account.apiKey, spec?.symbol)) rows.push(fundingIncome(p, specOf(p.symbol)));
  const picked = rows
    .filter((r) => (type === undefined || r.type === (type as IncomeType)) && (start === undefined || r.time >= start) && (end === undefined || r.time <= end))
    .sort((a, b) => a.time - b.time || a.tranId - b.tranId);
  return json(200, (start !== undefined ? picked.slice(0, limit) : picked.slice(-limit)).map((r) => r.row));
}

/**
 * Change Position Mode (…/trade/rest-api/Change-Position-Mode): the whole futures account's mode (`SimAccount.positionMode`),
 * refused while any position (-4068) or open order (-4067) exists; -4059 when it is already so.
 */
function changePositionMode({ ctx, params, account }: BinanceCall): SimResponse {
  const wanted = params['dualSidePosition'];
  if (wanted === undefined) return missingParam('dualSidePosition');
  if (wanted !== 'true' && wanted !== 'false') return binanceError(400, -1130, "Data sent for parameter 'dualSidePosition' is not valid.");
  if (!account.futures) return binanceError(400, -2015, 'Invalid API-key, IP, or permissions for action.');
  const hedge = wanted === 'true';
  if ((account.positionMode === 'hedge') === hedge) return binanceError(400, -4059, 'No need to change position side.');
  const d = perpsOf(ctx);
  if (d.positions(account.apiKey).length > 0) return binanceError(400, -4068, 'The position side cannot be changed if there exists position.');
  if (d.orders(account.apiKey, { open: true }).length > 0) return binanceError(400, -4067, 'Position side cannot be changed if there exists open orders.');
  if (hedge) account.positionMode = 'hedge';
  else delete account.positionMode;
  return json(200, { code: 200, msg: 'success' });
}
