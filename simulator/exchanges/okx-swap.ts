import { Dec } from '../../src/domain/money.js';
import type { DerivativesVenue } from '../matching/derivatives.js';
import type { PerpSpec } from '../matching/derivatives-types.js';
import { FUNDING_INTERVAL_MS } from '../matching/funding.js';
import type { SimAccount, SimContext, SimRequest, SimResponse } from '../types.js';
import { requestParams } from './common.js';
import { fail, ok, rateLimited, type OkxCall, type Params } from './okx-common.js';
import { candleRow } from './okx-shapes.js';
import { fillBill, fundingBill, swapById, swapInstId, swapInstrument, toContracts, type BillRow } from './okx-swap-shapes.js';
import { okxSwapTrading } from './okx-swap-trading.js';

/**
 * OKX v5 USDT-margined perpetual swaps (instType SWAP, `BTC-USDT-SWAP`, ccxt `BTC/USDT:USDT`) on the
 * simulator's derivatives core: one position per account and instrument in net mode (`posMode`
 * `net_mode`), leverage set per instrument and margin mode (/account/set-leverage), the margin mode
 * of each order its `tdMode`, sizes in contracts of `ctVal`, funding every 8 h booked as bills of
 * type 8, liquidation at the mark. The trading account is shared with spot (the account's own
 * balances). REST docs: https://www.okx.com/docs-v5/en/.
 *
 * Simplifications: the core keeps one leverage and margin mode per account and instrument, so a
 * set-leverage or an order naming the other margin mode switches the instrument to it, which is
 * refused (59000 / 51000) while a position or an open order holds the current one; the leverage-info
 * of the mode not in use is the default leverage.
 */

export type SwapAuth = (req: SimRequest, ctx: SimContext) => SimAccount | SimResponse;

interface SwapEndpoint {
  limit: number;
  per: 'instrument' | 'uid';
  run: (call: OkxCall) => SimResponse;
}

export function derivativesOf(ctx: SimContext): DerivativesVenue {
  const d = ctx.derivatives?.();
  if (!d) throw new Error('This simulator context has no derivatives venue');
  return d;
}

const NO_INSTRUMENT = (): SimResponse => fail(200, '51001', "Instrument ID, Instrument ID code or Spread ID doesn't exist.");

function isSwapId(id: string | null | undefined): boolean {
  return id !== null && id !== undefined && id.endsWith('-SWAP');
}

/** Whether the request names swaps (instType SWAP, or an instId of one): the spot handler answers the rest. */
export function isSwapRequest(params: Params): boolean {
  return params['instType'] === 'SWAP' || (params['instId'] ?? '').split(',').some(isSwapId);
}

function spotSymbolOf(ctx: SimContext, params: Params): { spec: PerpSpec; d: DerivativesVenue } | undefined {
  const d = derivativesOf(ctx);
  const spec = swapById(d, params['instId']);
  return spec ? { spec, d } : undefined;
}

/** GET /api/v5/market/ticker(s) for a swap: the spot path's figures, volumes in contracts (`vol24h`) and base (`volCcy24h`). */
function swapTicker(ctx: SimContext, spec: PerpSpec, spotTicker: (symbol: string) => Record<string, unknown>): Record<string, unknown> {
  const t = spotTicker(spec.symbol);
  const baseVol = String(t['vol24h'] ?? '0');
  return { ...t, instType: 'SWAP', instId: swapInstId(spec), vol24h: toContracts(spec, baseVol), volCcy24h: baseVol, ts: String(ctx.exchangeNow()) };
}

/** Candles newest first, `after` older than its ts, `before` newer (as the spot ones); mark-price candles are [ts, o, h, l, c, confirm]. */
function swapCandles(ctx: SimContext, params: Params, mark: boolean): SimResponse {
  const found = spotSymbolOf(ctx, params);
  if (!found) return NO_INSTRUMENT();
  const limit = Math.min(300, Number(params['limit'] ?? '100') || 100);
  const after = params['after'] !== undefined ? Number(params['after']) : Infinity;
  const before = params['before'] !== undefined ? Number(params['before']) : -Infinity;
  const venue = ctx.venue();
  const current = venue.candle(found.spec.symbol)?.openTime;
  const rows = venue
    .candles(found.spec.symbol, 1000)
    .filter((c) => c.openTime < after && c.openTime > before)
    .slice(-limit)
    .map((c) => {
      const row = candleRow(c, c.openTime !== current);
      return mark ? [row[0], row[1], row[2], row[3], row[4], row[8]] : row;
    });
  return ok(rows.reverse());
}

/** GET /api/v5/public/funding-rate (https://www.okx.com/docs-v5/en/#public-data-rest-api-get-funding-rate): `fundingTime` is the next settlement. */
function fundingRate(ctx: SimContext, params: Params): SimResponse {
  const found = spotSymbolOf(ctx, params);
  if (!found) return NO_INSTRUMENT();
  const { spec, d } = found;
  const next = d.nextFunding(spec.symbol);
  const settled = d.fundingHistory(spec.symbol, next.time - FUNDING_INTERVAL_MS, next.time - FUNDING_INTERVAL_MS)[0];
  return ok([{
    formulaType: 'withRate', fundingRate: next.rate.toFixed(), fundingTime: String(next.time), impactValue: '', instId: swapInstId(spec), instType: 'SWAP',
    interestRate: '0.0001', maxFundingRate: '0.0375', method: 'current_period', minFundingRate: '-0.0375', nextFundingRate: '',
    nextFundingTime: String(next.time + FUNDING_INTERVAL_MS), premium: '0', settFundingRate: settled?.rate.toFixed() ?? next.rate.toFixed(),
    settState: 'settled', ts: String(ctx.exchangeNow()),
  }]);
}

/**
 * GET /api/v5/public/funding-rate-history (https://www.okx.com/docs-v5/en/#public-data-rest-api-get-funding-rate-history):
 * settled rates newest first, `before` / `after` bounding `fundingTime` (exclusive), at most `limit`
 * (default and max 100); none before the price path's first candle.
 */
function fundingRateHistory(ctx: SimContext, params: Params): SimResponse {
  const found = spotSymbolOf(ctx, params);
  if (!found) return NO_INSTRUMENT();
  const { spec, d } = found;
  const limit = Math.max(1, Math.min(100, Number(params['limit'] ?? 100) || 100));
  const settled = d.fundedUntil(spec.symbol) ?? ctx.exchangeNow();
  const first = ctx.venue().candles(spec.symbol, 1000)[0]?.openTime ?? settled;
  const end = Math.min(settled, params['after'] !== undefined ? Number(params['after']) - 1 : settled);
  const from = Math.max(first, params['before'] !== undefined ? Number(params['before']) + 1 : end - limit * FUNDING_INTERVAL_MS);
  const rows = d
    .fundingHistory(spec.symbol, from, end)
    .reverse()
    .slice(0, limit)
    .map((r) => ({ formulaType: 'withRate', fundingRate: r.rate.toFixed(), fundingTime: String(r.time), instId: swapInstId(spec), instType: 'SWAP', method: 'current_period', realizedRate: r.rate.toFixed() }));
  return ok(rows);
}

const publicRoutes: Record<string, (ctx: SimContext, params: Params, spotTicker: (symbol: string) => Record<string, unknown>) => SimResponse> = {
  'GET /public/instruments': (ctx) => ok(derivativesOf(ctx).perps().map(swapInstrument)),
  'GET /public/mark-price': (ctx, params) => {
    const d = derivativesOf(ctx);
    const specs = params['instId'] !== undefined ? [swapById(d, params['instId'])] : d.perps();
    if (specs.some((s) => s === undefined)) return NO_INSTRUMENT();
    return ok(specs.flatMap((s) => (s ? [{ instType: 'SWAP', instId: swapInstId(s), markPx: d.markPrice(s.symbol).toFixed(), ts: String(ctx.exchangeNow()) }] : [])));
  },
  'GET /public/funding-rate': fundingRate,
  'GET /public/funding-rate-history': fundingRateHistory,
  'GET /market/ticker': (ctx, params, spotTicker) => {
    const found = spotSymbolOf(ctx, params);
    return found ? ok([swapTicker(ctx, found.spec, spotTicker)]) : NO_INSTRUMENT();
  },
  'GET /market/tickers': (ctx, _params, spotTicker) => ok(derivativesOf(ctx).perps().map((s) => swapTicker(ctx, s, spotTicker))),
  'GET /market/candles': (ctx, params) => swapCandles(ctx, params, false),
  'GET /market/history-candles': (ctx, params) => swapCandles(ctx, params, false),
  'GET /market/mark-price-candles': (ctx, params) => swapCandles(ctx, params, true),
  'GET /market/history-mark-price-candles': (ctx, params) => swapCandles(ctx, params, true),
};

/** Routes that are swap-only whatever they name. */
const SWAP_ONLY = new Set(['GET /public/mark-price', 'GET /public/funding-rate', 'GET /public/funding-rate-history', 'GET /market/mark-price-candles', 'GET /market/history-mark-price-candles']);

// ---- account ---------------------------------------------------------------------------------

const MGN_MODES = new Set(['isolated', 'cross']);

/**
 * POST /api/v5/account/set-leverage (https://www.okx.com/docs-v5/en/#trading-account-rest-api-set-leverage):
 * `lever` for `instId` under `mgnMode`; the same leverage again succeeds. Above the tier's maximum
 * 59102; lowering it below what the free margin can back 59103; another margin mode while a position
 * or an open order holds the current one 59000 (a simulator limit, see above).
 */
function setLeverage({ ctx, params, account }: OkxCall): SimResponse {
  const d = derivativesOf(ctx);
  const spec = swapById(d, params['instId']);
  if (!spec) return fail(200, '51001', "Instrument ID, Instrument ID code or Spread ID doesn't exist.");
  const mode = params['mgnMode'] ?? '';
  if (!MGN_MODES.has(mode)) return fail(400, '51000', 'Parameter mgnMode error');
  const lever = params['lever'] ?? '';
  if (!/^\d+(\.\d+)?$/.test(lever) || new Dec(lever).lt(1)) return fail(400, '51000', 'Parameter lever error');
  if (params['posSide'] !== undefined && params['posSide'] !== 'net') return fail(400, '51000', 'Parameter posSide error');
  if (d.settings(account.apiKey, spec.symbol).marginMode !== mode) {
    const switched = d.setMarginMode(account, [spec.symbol], mode === 'isolated' ? 'isolated' : 'cross');
    if (!switched.ok) return fail(200, '59000', 'Settings failed. Close any open positions, orders, or trading bots before modifying settings.');
  }
  const set = d.setLeverage(account, spec.symbol, new Dec(lever).toFixed());
  if (!set.ok) {
    if (set.rejection.kind === 'leverage_out_of_range') return fail(200, '59102', 'Leverage exceeds the maximum limit. Please lower the leverage.');
    if (set.rejection.kind === 'insufficient_margin') return fail(200, '59103', 'Account margin is insufficient and leverage is too low. Please increase the leverage.');
  }
  return ok([{ instId: swapInstId(spec), lever: new Dec(lever).toFixed(), mgnMode: mode, posSide: 'net' }]);
}

/** GET /api/v5/account/leverage-info (https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-leverage): one row per instrument named. */
function leverageInfo({ ctx, params, account }: OkxCall): SimResponse {
  const d = derivativesOf(ctx);
  const mode = params['mgnMode'] ?? '';
  if (!MGN_MODES.has(mode)) return fail(400, '51000', 'Parameter mgnMode error');
  const ids = (params['instId'] ?? '').split(',').filter((s) => s !== '');
  if (ids.length === 0) return fail(400, '50014', 'Parameter instId can not be empty.');
  const rows: unknown[] = [];
  for (const id of ids) {
    const spec = swapById(d, id);
    if (!spec) return NO_INSTRUMENT();
    const current = d.settings(account.apiKey, spec.symbol);
    // An owner never seen holds the defaults: the leverage of the mode not in use.
    const lever = current.marginMode === mode ? current.leverage : d.settings('', spec.symbol).leverage;
    rows.push({ instId: id, lever, mgnMode: mode, posSide: 'net' });
  }
  return ok(rows);
}

/** GET /api/v5/account/positions (https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions): open positions only, `pos` signed contracts in net mode. */
function positions({ ctx, params, account }: OkxCall): SimResponse {
  const d = derivativesOf(ctx);
  if (params['instType'] !== undefined && params['instType'] !== 'SWAP') return ok([]);
  const ids = params['instId'] !== undefined ? new Set(params['instId'].split(',')) : undefined;
  const rows = d
    .positions(account.apiKey)
    .map((p) => ({ p, spec: d.perp(p.symbol) }))
    .filter((x): x is { p: typeof x.p; spec: PerpSpec } => x.spec !== undefined && (ids === undefined || ids.has(swapInstId(x.spec))))
    .map(({ p, spec }) => {
      const mark = d.markPrice(spec.symbol);
      const upl = d.unrealizedPnl(account.apiKey, spec.symbol);
      const margin = new Dec(p.positionMargin);
      const size = new Dec(p.size);
      const isolated = p.marginMode === 'isolated';
      const contracts = toContracts(spec, size);
      return {
        adl: '1', availPos: toContracts(spec, size.abs()), avgPx: p.entryPrice, baseBal: '', bePx: p.entryPrice, cTime: String(p.createdAt), ccy: spec.settle,
        closeOrderAlgo: [], deltaBS: '', deltaPA: '', fee: '0', fundingFee: '0', gammaBS: '', gammaPA: '', idxPx: mark.toFixed(),
        imr: isolated ? '' : margin.toFixed(), instId: swapInstId(spec), instType: 'SWAP', interest: '0', last: mark.toFixed(), lever: p.leverage,
        liab: '', liabCcy: '', liqPenalty: '0', liqPx: d.liquidationPrice(account.apiKey, spec.symbol)?.toFixed() ?? '', margin: isolated ? margin.toFixed() : '',
        markPx: mark.toFixed(), mgnMode: p.marginMode, mgnRatio: '', mmr: d.maintenanceMargin(account.apiKey, spec.symbol).toFixed(),
        notionalUsd: size.abs().mul(mark).toFixed(), optVal: '', pendingCloseOrdLiabVal: '', pnl: p.realisedPnl, pos: contracts, posCcy: '',
        posId: String(1_000_000 + d.perps().indexOf(spec)), posSide: 'net', quoteBal: '', realizedPnl: p.realisedPnl, spotInUseAmt: '', spotInUseCcy: '',
        thetaBS: '', thetaPA: '', tradeId: '', uTime: String(p.updatedAt), upl: upl.toFixed(),
        uplRatio: margin.isZero() ? '0' : upl.div(margin).toDecimalPlaces(8).toFixed(), usdPx: '', vegaBS: '', vegaPA: '',
      };
    });
  return ok(rows);
}

/**
 * GET /api/v5/account/bills and /bills-archive for swaps: trades (type 2), liquidations (5) and
 * funding (8), newest first, filtered by `type`, `subType`, `instId`, `ccy`, `begin` / `end` (ms),
 * at most `limit` (default and max 100). ccxt's fetchFundingHistory reads /bills-archive with type 8.
 */
function bills({ ctx, params, account }: OkxCall): SimResponse {
  if (params['instType'] !== undefined && params['instType'] !== 'SWAP') return ok([]);
  const d = derivativesOf(ctx);
  const rows: BillRow[] = [];
  for (const spec of d.perps()) {
    if (params['instId'] !== undefined && params['instId'] !== swapInstId(spec)) continue;
    if (params['ccy'] !== undefined && params['ccy'] !== spec.settle) continue;
    const mode = d.settings(account.apiKey, spec.symbol).marginMode;
    for (const p of d.fundingPayments(account.apiKey, spec.symbol)) rows.push(fundingBill(p, spec, mode));
    for (const f of d.fills(account.apiKey, { symbol: spec.symbol })) rows.push(fillBill(f, spec, mode));
  }
  const begin = params['begin'] !== undefined ? Number(params['begin']) : -Infinity;
  const end = params['end'] !== undefined ? Number(params['end']) : Infinity;
  const limit = Math.max(1, Math.min(100, Number(params['limit'] ?? 100) || 100));
  const picked = rows
    .filter((b) => (params['type'] === undefined || b.row['type'] === params['type']) && (params['subType'] === undefined || b.row['subType'] === params['subType']))
    .filter((b) => b.time >= begin && b.time <= end)
    .sort((a, b) => b.time - a.time)
    .slice(0, limit);
  return ok(picked.map((b) => b.row));
}

/**
 * POST /api/v5/account/set-position-mode (https://www.okx.com/docs-v5/en/#trading-account-rest-api-set-position-mode):
 * `net_mode` or `long_short_mode`, refused with 59000 while a swap position or open order exists. The
 * account then reports the mode (GET /account/config `posMode`), but the core trades net positions
 * only: in long_short_mode every swap order is refused (51000 `Parameter posSide error`, a simulator limit).
 */
function setPositionMode({ ctx, params, account }: OkxCall): SimResponse {
  const mode = params['posMode'];
  if (mode !== 'net_mode' && mode !== 'long_short_mode') return fail(400, '51000', 'Parameter posMode error');
  const d = derivativesOf(ctx);
  if (d.positions(account.apiKey).length > 0 || d.orders(account.apiKey, { open: true }).length > 0) {
    return fail(200, '59000', 'Settings failed. Close any open positions, orders, or trading bots before modifying settings.');
  }
  if (mode === 'long_short_mode') account.positionMode = 'hedge';
  else delete account.positionMode;
  return ok([{ posMode: mode }]);
}

const accountRoutes: Record<string, SwapEndpoint> = {
  'POST /account/set-leverage': { limit: 20, per: 'uid', run: setLeverage },
  'GET /account/leverage-info': { limit: 20, per: 'uid', run: leverageInfo },
  'GET /account/positions': { limit: 10, per: 'uid', run: positions },
  // 5 per second and 5 per 2 s (each endpoint's "Rate Limit" line).
  'GET /account/bills': { limit: 10, per: 'uid', run: bills },
  'GET /account/bills-archive': { limit: 5, per: 'uid', run: bills },
  'POST /account/set-position-mode': { limit: 5, per: 'uid', run: setPositionMode },
};

/**
 * Answers a swap request, or null for the spot handler. `spotTicker` gives the spot ticker of a
 * unified symbol (okx.ts), `auth` checks the OK-ACCESS-* headers.
 */
export function handleSwap(route: string, req: SimRequest, ctx: SimContext, auth: SwapAuth, spotTicker: (symbol: string) => Record<string, unknown>): SimResponse | null {
  const params = requestParams(req.url, req.body);
  const swap = SWAP_ONLY.has(route) || isSwapRequest(params);
  const publicRoute = publicRoutes[route];
  if (publicRoute) return swap ? publicRoute(ctx, params, spotTicker) : null;
  const endpoint = accountRoutes[route] ?? (swap ? okxSwapTrading[route] : undefined);
  if (!endpoint) return null;
  const account = auth(req, ctx);
  if (!('apiKey' in account)) return account;
  const scope = endpoint.per === 'instrument' ? `:${params['instId'] ?? ''}` : '';
  const used = ctx.countInWindow(`uid:${account.apiKey}:swap:${route}${scope}`, 2_000);
  return used.used > endpoint.limit ? rateLimited() : endpoint.run({ ctx, account, params, body: req.body });
}
