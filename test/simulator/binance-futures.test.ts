import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/money.js';
import { FUNDING_INTERVAL_MS } from '../../simulator/matching/funding.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { ScriptedPath } from '../support/scripted-path.js';
import { amountOf, binanceClient, binanceFuturesClient, idOf } from './clients.js';

/**
 * Binance USDⓈ-M futures (fapi.binance.com) through unmodified ccxt 4.5.84 with `defaultType: 'swap'`:
 * markets, leverage and margin type, one-way position mode, a 5× isolated short and a cross long
 * opened and closed, reduce-only and margin refusals, funding income at the 8 h boundary, a
 * liquidation with its records, and the futures wallet apart from spot. BTC follows a path the test
 * moves by hand (`trade` sets the forming candle's close, the mark; `step` opens the next candle at
 * it), so every figure is exact.
 */

const HOUR = 3_600_000;
const BTC = 'BTC/USDT:USDT';
// The forming candle opens at 2026-01-03 01:00 UTC: the next funding time (08:00) is 7 steps away.
const FIRST_OPEN = Date.UTC(2026, 0, 1, 0);
const flatAt = (start: string) => new ScriptedPath({ start: FIRST_OPEN, length: 50, priceAt: (_, previous) => previous ?? start });
const btcPath = flatAt('60000');
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ priceSource: (m) => (m.symbol === 'BTC/USDT' ? btcPath : flatAt(m.symbol === 'ETH/USDT' ? '3000' : '0.6')) });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.control.reset();
  btcPath.trade('60000');
  stepPastFunding();
  addAccount('binanceKey1');
});

/** A Binance account with 500 USDT on spot and 10000 USDT in the futures wallet. */
function addAccount(apiKey: string): void {
  sim.control.addAccount('binance', { apiKey, secret: `${apiKey}Secret`, balances: { USDT: '500' }, futuresBalances: { USDT: '10000' } });
}

function client(apiKey = 'binanceKey1'): ReturnType<typeof binanceFuturesClient> {
  return binanceFuturesClient(sim, { apiKey, secret: `${apiKey}Secret` });
}

/** Steps until the forming candle is the next funding time away (when it opens on it). */
function stepsToFunding(): number {
  const open = btcPath.current().openTime;
  return (Math.floor(open / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS - open) / HOUR;
}

/** To a candle that opened on a funding time: the next one is 8 steps away (nothing is open yet). */
function stepPastFunding(): void {
  sim.control.step(stepsToFunding());
}

const fapi = (path: string) => sim.control.requests({ exchange: 'binance', path }).filter((r) => r.host === 'fapi.binance.com' && r.path === path);

async function isolatedShort(ex: ReturnType<typeof client>, amount: number): Promise<string> {
  await ex.loadMarkets();
  await ex.setMarginMode('isolated', BTC);
  await ex.setLeverage(5, BTC);
  return idOf(await ex.createOrder(BTC, 'market', 'sell', amount));
}

/** The income rows of the account, as Binance sends them (ccxt's implicit API: no parsing in between). */
async function income(ex: ReturnType<typeof client>, incomeType?: string): Promise<{ incomeType: string; income: string }[]> {
  const rows = (await ex.fapiPrivateGetIncome({ symbol: 'BTCUSDT', ...(incomeType ? { incomeType } : {}) })) as { incomeType: string; income: string }[];
  return rows.map((r) => ({ incomeType: r.incomeType, income: r.income }));
}

describe('Binance USDⓈ-M futures through unmodified ccxt', () => {
  it('lists the perpetuals from /fapi/v1/exchangeInfo and answers time, ticker, mark price, candles and the book', async () => {
    const ex = client();
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT', 'XRP/USDT:USDT']);
    expect(fapi('/fapi/v1/exchangeInfo')).toHaveLength(1);
    const m = ex.market(BTC);
    expect(m).toMatchObject({ id: 'BTCUSDT', type: 'swap', swap: true, linear: true, settle: 'USDT', contractSize: 1, taker: 0.0005, maker: 0.0002 });
    expect(m.precision).toMatchObject({ price: 0.01, amount: 0.00001 });
    expect(m.limits).toMatchObject({ amount: { min: 0.00001, max: 9000 }, cost: { min: 5 }, market: { min: 0.00001, max: 9000 } });
    expect(m.info).toMatchObject({ contractType: 'PERPETUAL', marginAsset: 'USDT', status: 'TRADING' });

    expect(Math.abs((await ex.fetchTime() ?? 0) - Date.now())).toBeLessThan(5_000);
    expect(fapi('/fapi/v1/time')).toHaveLength(1);
    const ticker = await ex.fetchTicker(BTC);
    expect(ticker).toMatchObject({ symbol: BTC, last: 60000 });
    // The futures 24 h ticker has no book prices; ccxt leaves them undefined.
    expect(ticker.bid).toBeUndefined();
    const rate = await ex.fetchFundingRate(BTC);
    expect(rate).toMatchObject({ markPrice: 60000, indexPrice: 60000, fundingRate: 0.0001, fundingTimestamp: btcPath.current().openTime + 8 * HOUR });
    expect((await ex.fetchOHLCV(BTC, '1h', undefined, 3)).map((c) => c[4])).toEqual([60000, 60000, 60000]);
    expect(await ex.fetchMarkOHLCV(BTC, '1h', undefined, 2)).toHaveLength(2);
    const book = await ex.fetchOrderBook(BTC, 5);
    expect([book.bids[0]?.[0], book.asks[0]?.[0]]).toEqual([59999.99, 60000.01]);
    await expect(ex.fapiPublicGetPremiumIndex({ symbol: 'DOGEUSDT' })).rejects.toThrow(ccxt.BadSymbol);
  });

  it('reads and sets margin type and leverage per symbol (symbolConfig), keeps one-way mode, and refuses what Binance refuses', async () => {
    const ex = client();
    await ex.loadMarkets();
    // A symbol never set: cross at 20×.
    expect((await ex.fetchMarginMode(BTC)).marginMode).toBe('cross');
    expect(await ex.fetchLeverage(BTC)).toMatchObject({ marginMode: 'cross', longLeverage: 20, shortLeverage: 20 });
    expect(fapi('/fapi/v1/symbolConfig')).toHaveLength(2);

    await ex.setMarginMode('isolated', BTC);
    expect(fapi('/fapi/v1/marginType')[0]?.params).toMatchObject({ symbol: 'BTCUSDT', marginType: 'ISOLATED' });
    // ccxt 4.5.84 sets options.setMarginMode.throwMarginModeAlreadySet: the -4046 answer is thrown.
    await expect(ex.setMarginMode('isolated', BTC)).rejects.toThrow(ccxt.MarginModeAlreadySet);
    await expect(ex.setMarginMode('isolated', BTC)).rejects.toThrow(/-4046.*No need to change margin type/);
    expect((await ex.fetchMarginMode(BTC)).marginMode).toBe('isolated');
    // Per symbol: ETH stays cross.
    expect((await ex.fetchMarginMode('ETH/USDT:USDT')).marginMode).toBe('cross');

    expect(await ex.setLeverage(5, BTC)).toMatchObject({ leverage: 5, symbol: 'BTCUSDT' });
    expect(fapi('/fapi/v1/leverage')[0]?.params).toMatchObject({ symbol: 'BTCUSDT', leverage: '5' });
    expect(await ex.fetchLeverage(BTC)).toMatchObject({ marginMode: 'isolated', longLeverage: 5, shortLeverage: 5 });
    // Above the symbol's bracket (XRP 75×): -4028. Above 125 ccxt refuses before sending anything.
    await expect(ex.setLeverage(100, 'XRP/USDT:USDT')).rejects.toThrow(/-4028.*Leverage 100 is not valid/);
    const sent = fapi('/fapi/v1/leverage').length;
    await expect(ex.setLeverage(126, BTC)).rejects.toThrow(ccxt.BadRequest);
    expect(fapi('/fapi/v1/leverage')).toHaveLength(sent);

    expect(await ex.fetchPositionMode(BTC)).toMatchObject({ hedged: false });
    await expect(ex.setPositionMode(false, BTC)).rejects.toThrow(/-4059.*No need to change position side/);
    // Hedge mode can be switched on (flat, no order), and then every order is refused: one-way positions only.
    await ex.setPositionMode(true, BTC);
    expect(await ex.fetchPositionMode(BTC)).toMatchObject({ hedged: true });
    await expect(ex.createOrder(BTC, 'market', 'sell', 0.001)).rejects.toThrow(/-4061.*position side does not match/);
    await expect(ex.createOrder(BTC, 'market', 'sell', 0.001, undefined, { positionSide: 'SHORT' })).rejects.toThrow(/-1020.*hedge-mode positions are not simulated/);
    await ex.setPositionMode(false, BTC);

    // Flat: V3 position risk lists nothing (no position, no open order); V2 lists the symbol with its leverage.
    expect(await ex.fetchPositions([BTC])).toEqual([]);
    expect(fapi('/fapi/v3/positionRisk').length).toBeGreaterThan(0);
    // ccxt drops every position whose entry price is 0, from V2 too.
    expect(await ex.fetchPositions([BTC], { useV2: true })).toEqual([]);
    expect(fapi('/fapi/v2/positionRisk')).toHaveLength(1);
    const raw = (await ex.fapiPrivateV2GetPositionRisk({ symbol: 'BTCUSDT' })) as Record<string, unknown>[];
    expect(raw[0]).toMatchObject({ symbol: 'BTCUSDT', positionAmt: '0.00000', leverage: '5', marginType: 'isolated', positionSide: 'BOTH' });
  });

  it('opens a 5× isolated short: the position, its margin in the futures wallet (spot untouched), and the refusals', async () => {
    const ex = client();
    const orderId = await isolatedShort(ex, 0.1);
    expect(fapi('/fapi/v1/order')[0]?.params).toMatchObject({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.1', newOrderRespType: 'RESULT' });
    expect(await ex.fetchOrder(orderId, BTC)).toMatchObject({ status: 'closed', type: 'market', side: 'sell', filled: 0.1, average: 59999.99, reduceOnly: false });

    const [position] = await ex.fetchPositions([BTC]);
    // Entry at the bid (mark − one tick); margin 0.1 × 59999.99 / 5; liquidation where margin − MM
    // (0.4 % of the entry value) is gone: 59999.99 + (1199.9998 − 23.999996) / 0.1, to the tick below.
    expect(position).toMatchObject({
      symbol: BTC,
      side: 'short',
      contracts: 0.1,
      entryPrice: 59999.99,
      markPrice: 60000,
      unrealizedPnl: -0.001,
      liquidationPrice: 71759.98,
      marginMode: 'isolated',
      collateral: 1199.9988,
      initialMargin: 1199.9998,
      notional: 6000,
      hedged: false,
    });
    // /fapi/v3/positionRisk has no leverage field: ccxt's position has none (fetchLeverage reads symbolConfig).
    expect(position?.leverage).toBeUndefined();
    expect(position?.info).toMatchObject({ positionSide: 'BOTH', positionAmt: '-0.10000', isolatedWallet: '1199.99980000', maintMargin: '23.99999600' });

    // Taker fee 0.05 % of 5999.999 = 2.9999995 in USDT; the margin is used, not spent.
    const balance = await ex.fetchBalance();
    expect(fapi('/fapi/v3/account').length).toBeGreaterThan(0);
    expect(amountOf(balance.free, 'USDT')).toBe(8797.0002005);
    expect(amountOf(balance.used, 'USDT')).toBe(1199.9998);
    // ccxt's total is the margin balance: wallet 9997.0000005 plus unrealized PnL −0.001.
    expect(amountOf(balance.total, 'USDT')).toBe(9996.9990005);
    expect(sim.control.account('binance', 'binanceKey1')?.balances['USDT']).toEqual({ free: '500', used: '0' });
    const spot = await binanceClient(sim, { apiKey: 'binanceKey1', secret: 'binanceKey1Secret' }).fetchBalance();
    expect(amountOf(spot.total, 'USDT')).toBe(500);

    // Through a proxy URL ccxt picks its error table by the URL it called, the proxy's, not
    // fapi.binance.com's: -2022 and -2019 come out as bare ExchangeError (their class is only in the
    // linear table). CTS translates them by code (src/exchanges/profiles/binance.ts).
    const reduce = ex.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true });
    await expect(reduce).rejects.toThrow(/-2022.*ReduceOnly Order is rejected/);
    await expect(ex.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true })).rejects.toSatisfy((e: unknown) => (e as Error).constructor === ccxt.ExchangeError);
    await expect(ex.createOrder(BTC, 'market', 'sell', 10)).rejects.toThrow(/-2019.*Margin is insufficient/);
    await expect(ex.createOrder(BTC, 'market', 'sell', 0.00005)).rejects.toThrow(/-4164.*notional must be no smaller than 5/);
    await expect(ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { positionSide: 'LONG' })).rejects.toThrow(/-4061/);
    await expect(ex.setMarginMode('cross', BTC)).rejects.toThrow(/-4048.*exists position/);
    await expect(ex.setLeverage(3, BTC)).rejects.toThrow(/-4161/);
    // Without the proxy the same answer is InsufficientFunds: ccxt's own table for fapi.binance.com.
    const body = '{"code":-2019,"msg":"Margin is insufficient."}';
    expect(() => ex.handleErrors(400, 'Bad Request', 'https://fapi.binance.com/fapi/v1/order', 'POST', {}, body, JSON.parse(body), {}, '')).toThrow(ccxt.InsufficientFunds);
  });

  it('closes the short with a reduce-only buy (cut to the position) and books PnL and fees as Binance lists them', async () => {
    const ex = client();
    await isolatedShort(ex, 0.1);
    btcPath.trade('59000');
    const close = await ex.createOrder(BTC, 'market', 'buy', 0.2, undefined, { reduceOnly: true });
    expect(fapi('/fapi/v1/order').at(-1)?.params).toMatchObject({ side: 'BUY', reduceOnly: 'true' });
    expect(await ex.fetchOrder(idOf(close), BTC)).toMatchObject({ filled: 0.1, average: 59000.01, reduceOnly: true, status: 'closed' });
    expect(await ex.fetchPositions([BTC])).toEqual([]);

    // PnL 0.1 × (59999.99 − 59000.01) = 99.998; fees 2.9999995 + 0.05 % of 5900.001 = 2.9500005.
    const balance = await ex.fetchBalance();
    expect(amountOf(balance.total, 'USDT')).toBe(10094.048);
    expect(amountOf(balance.used, 'USDT')).toBe(0);
    const trades = await ex.fetchMyTrades(BTC);
    expect(trades.map((t) => [t.side, t.amount, t.price, t.takerOrMaker, t.fee?.cost, t.fee?.currency])).toEqual([
      ['sell', 0.1, 59999.99, 'taker', 2.9999995, 'USDT'],
      ['buy', 0.1, 59000.01, 'taker', 2.9500005, 'USDT'],
    ]);
    expect(trades[1]?.info).toMatchObject({ realizedPnl: '99.99800000', commissionAsset: 'USDT', positionSide: 'BOTH' });
    expect(await income(ex)).toEqual([
      { incomeType: 'COMMISSION', income: '-2.99999950' },
      { incomeType: 'REALIZED_PNL', income: '99.99800000' },
      { incomeType: 'COMMISSION', income: '-2.95000050' },
    ]);
    const ledger = await ex.fetchLedger('USDT');
    expect(ledger.map((l) => [l.type, l.direction, l.amount])).toEqual([
      ['commission', 'out', 2.9999995],
      ['trade', 'in', 99.998],
      ['commission', 'out', 2.9500005],
    ]);
  });

  it('rests reduce-only STOP_MARKET / TAKE_PROFIT_MARKET algo orders: listed and read with { trigger: true }, cancelable, refused when already crossed; a fired one places the MARKET order that holds its fill', async () => {
    const ex = client();
    await isolatedShort(ex, 0.1);
    const stop = await ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { stopLossPrice: '61000', reduceOnly: true });
    expect(fapi('/fapi/v1/algoOrder').at(-1)).toMatchObject({ method: 'POST', params: { algoType: 'CONDITIONAL', symbol: 'BTCUSDT', side: 'BUY', type: 'STOP_MARKET', triggerPrice: '61000', quantity: '0.1', reduceOnly: 'true' } });
    const takeProfit = await ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { takeProfitPrice: '58000', reduceOnly: true });
    expect(fapi('/fapi/v1/algoOrder').at(-1)?.params).toMatchObject({ type: 'TAKE_PROFIT_MARKET', triggerPrice: '58000' });
    // The plain listing never holds them; the algo service's does.
    expect(await ex.fetchOpenOrders(BTC)).toEqual([]);
    const open = await ex.fetchOpenOrders(BTC, undefined, undefined, { trigger: true });
    expect(open.map((o) => [o.id, o.status, o.type, o.side, o.amount, o.triggerPrice, o.reduceOnly])).toEqual([
      [idOf(stop), 'open', 'market', 'buy', 0.1, 61000, true],
      [idOf(takeProfit), 'open', 'market', 'buy', 0.1, 58000, true],
    ]);
    expect(open[0]?.info).toMatchObject({ algoType: 'CONDITIONAL', orderType: 'STOP_MARKET', algoStatus: 'NEW', workingType: 'CONTRACT_PRICE' });
    expect((await ex.fetchOrder(idOf(stop), BTC, { trigger: true })).info).toMatchObject({ algoStatus: 'NEW', actualOrderId: '' });
    // A resting algo order holds no margin.
    expect(amountOf((await ex.fetchBalance()).used, 'USDT')).toBe(1199.9998);
    // Cancelled on the algo service; a plain cancel does not know it.
    await ex.cancelOrder(idOf(takeProfit), BTC, { trigger: true });
    expect(await ex.fetchOrder(idOf(takeProfit), BTC, { trigger: true })).toMatchObject({ status: 'canceled' });
    await expect(ex.cancelOrder(idOf(stop), BTC)).rejects.toThrow(ccxt.OrderNotFound);
    // A trigger the price already passed: -2021.
    await expect(ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { stopLossPrice: '59000', reduceOnly: true })).rejects.toThrow(/-2021.*Order would immediately trigger/);
    await expect(ex.createOrder(BTC, 'market', 'sell', 0.1, undefined, { stopLossPrice: '59000', reduceOnly: true })).rejects.toThrow(/-2022/);

    // The price jumps to 61500 between two candles: the stop fires at the new candle's open.
    btcPath.trade('61500');
    sim.control.step();
    expect(await ex.fetchPositions([BTC])).toEqual([]);
    const fired = await ex.fetchOrder(idOf(stop), BTC, { trigger: true });
    expect(fired.status).toBe('closed');
    const actual = String((fired.info as Record<string, unknown>)['actualOrderId']);
    expect(fired.info).toMatchObject({ algoStatus: 'FINISHED' });
    expect(actual).toMatch(/^\d+$/);
    expect(await ex.fetchOrder(actual, BTC)).toMatchObject({ status: 'closed', type: 'market', side: 'buy', filled: 0.1, average: 61500, reduceOnly: true });
    expect(await ex.fetchOpenOrders(BTC, undefined, undefined, { trigger: true })).toEqual([]);
    const trades = await ex.fetchMyTrades(BTC);
    // Taker 0.05 % of 6150 = 3.075; loss 0.1 × (61500 − 59999.99) = 150.001.
    expect(trades.map((t) => [t.order, t.side, t.amount, t.price, t.fee?.cost])).toEqual([
      [trades[0]?.order, 'sell', 0.1, 59999.99, 2.9999995],
      [actual, 'buy', 0.1, 61500, 3.075],
    ]);
    expect(trades[1]?.info).toMatchObject({ realizedPnl: '-150.00100000' });
    expect(amountOf((await ex.fetchBalance()).used, 'USDT')).toBe(0);
    btcPath.trade('60000');
    sim.control.step();
  });

  it('opens a cross long from a resting limit (maker fee, order margin held meanwhile) and closes it with a market sell', async () => {
    const ex = client();
    await ex.loadMarkets();
    const limit = await ex.createOrder(BTC, 'limit', 'buy', 0.1, 59500);
    expect(fapi('/fapi/v1/order')[0]?.params).toMatchObject({ type: 'LIMIT', timeInForce: 'GTC', price: '59500', quantity: '0.1' });
    expect((await ex.fetchOpenOrders(BTC)).map((o) => [o.id, o.status, o.price])).toEqual([[idOf(limit), 'open', 59500]]);
    // At 20× (never set) the order holds 0.1 × (59500 / 20 + 0.05 % of 59500) = 300.475.
    expect(amountOf((await ex.fetchBalance()).used, 'USDT')).toBe(300.475);
    await expect(ex.setMarginMode('isolated', BTC)).rejects.toThrow(/-4047.*open orders/);
    expect(await ex.fetchPositions([BTC])).toEqual([]);

    btcPath.trade('59400');
    sim.control.step();
    expect(await ex.fetchOpenOrders(BTC)).toEqual([]);
    expect(await ex.fetchOrder(idOf(limit), BTC)).toMatchObject({ status: 'closed', filled: 0.1, average: 59500 });
    const [long] = await ex.fetchPositions([BTC]);
    expect(long).toMatchObject({ side: 'long', contracts: 0.1, entryPrice: 59500, markPrice: 59400, marginMode: 'cross', initialMargin: 297.5 });
    expect(long?.liquidationPrice).toBeLessThan(59500);
    expect(long?.info).toMatchObject({ isolatedMargin: '0', isolatedWallet: '0' });

    btcPath.trade('61000');
    await ex.createOrder(BTC, 'market', 'sell', 0.1, undefined, { reduceOnly: true });
    expect(await ex.fetchPositions([BTC])).toEqual([]);
    // Maker 0.02 % of 5950 = 1.19; PnL 0.1 × (60999.99 − 59500) = 149.999; taker 0.05 % of 6099.999.
    expect(amountOf((await ex.fetchBalance()).total, 'USDT')).toBe(Number(new Dec(10000).sub('1.19').add('149.999').sub('3.0499995').toFixed()));
    expect((await ex.fetchMyTrades(BTC)).map((t) => [t.side, t.takerOrMaker, t.fee?.cost])).toEqual([
      ['buy', 'maker', 1.19],
      ['sell', 'taker', 3.0499995],
    ]);
  });

  it('pays funding at the 8 h boundary: income FUNDING_FEE is positive for the short that receives, negative for the long that pays', async () => {
    addAccount('binanceKey2');
    const short = client();
    const long = client('binanceKey2');
    await isolatedShort(short, 0.1);
    await long.loadMarkets();
    await long.createOrder(BTC, 'market', 'buy', 0.1);
    const before = { short: amountOf((await short.fetchBalance()).total, 'USDT') ?? 0, long: amountOf((await long.fetchBalance()).total, 'USDT') ?? 0 };
    const fundingTime = btcPath.current().openTime + stepsToFunding() * HOUR;
    expect((await short.fetchFundingRate(BTC)).fundingTimestamp).toBe(fundingTime);

    sim.control.step(stepsToFunding() - 1);
    expect(await short.fetchFundingHistory(BTC)).toEqual([]);
    sim.control.step();
    // 0.1 × 60000 × 0.0001 = 0.6 USDT, from the long to the short.
    expect(await income(short, 'FUNDING_FEE')).toEqual([{ incomeType: 'FUNDING_FEE', income: '0.60000000' }]);
    expect(await income(long, 'FUNDING_FEE')).toEqual([{ incomeType: 'FUNDING_FEE', income: '-0.60000000' }]);
    const [received] = await short.fetchFundingHistory(BTC);
    // Unlike Bybit's execFee, Binance's income (and so ccxt's amount) is positive when received.
    expect(received).toMatchObject({ symbol: BTC, code: 'USDT', amount: 0.6, timestamp: fundingTime });
    expect((await long.fetchFundingHistory(BTC))[0]).toMatchObject({ amount: -0.6 });
    expect(fapi('/fapi/v1/income').at(-1)?.params).toMatchObject({ incomeType: 'FUNDING_FEE', symbol: 'BTCUSDT' });
    expect(amountOf((await short.fetchBalance()).total, 'USDT')).toBe(Number(new Dec(before.short).add('0.6').toFixed()));
    expect(amountOf((await long.fetchBalance()).total, 'USDT')).toBe(Number(new Dec(before.long).sub('0.6').toFixed()));
    const rates = await short.fetchFundingRateHistory(BTC);
    expect(rates.at(-1)).toMatchObject({ fundingRate: 0.0001, timestamp: fundingTime, info: { markPrice: '60000.00000000' } });
  });

  it('liquidates the isolated 5× short at the mark: autoclose- order, its fill, REALIZED_PNL and INSURANCE_CLEAR, the whole margin gone and no more', async () => {
    const ex = client();
    await isolatedShort(ex, 0.1);
    const resting = await ex.createOrder(BTC, 'limit', 'sell', 0.01, 80000);
    btcPath.trade('71000');
    sim.control.step();
    expect((await ex.fetchPositions([BTC]))[0]).toMatchObject({ contracts: 0.1, markPrice: 71000 });
    btcPath.trade('72000');
    sim.control.step();

    expect(await ex.fetchPositions([BTC])).toEqual([]);
    // The resting order was cancelled first; the whole 1199.9998 margin is lost, no more.
    expect(await ex.fetchOpenOrders(BTC)).toEqual([]);
    expect(await ex.fetchOrder(idOf(resting), BTC)).toMatchObject({ status: 'canceled' });
    const balance = await ex.fetchBalance();
    expect(amountOf(balance.used, 'USDT')).toBe(0);
    expect(amountOf(balance.total, 'USDT')).toBe(Number(new Dec('10000').sub('2.9999995').sub('1199.9998').toFixed()));
    expect(sim.control.account('binance', 'binanceKey1')?.balances['USDT']).toEqual({ free: '500', used: '0' });

    // The liquidation order: an IOC limit at the bankruptcy price, filled at the liquidation price.
    const liquidation = (await ex.fetchOrders(BTC)).find((o) => o.clientOrderId?.startsWith('autoclose-') === true);
    expect(liquidation).toMatchObject({ side: 'buy', type: 'limit', timeInForce: 'IOC', price: 71999.99, average: 71759.98, filled: 0.1, status: 'closed' });
    const [forced] = await ex.fetchMyLiquidations(BTC);
    expect(forced).toMatchObject({ symbol: BTC, side: 'buy', contracts: 0.1, price: 71759.98 });
    expect(fapi('/fapi/v1/forceOrders').at(-1)?.params).toMatchObject({ autoCloseType: 'LIQUIDATION', symbol: 'BTCUSDT' });
    const bust = (await ex.fetchMyTrades(BTC)).find((t) => t.order === liquidation?.id);
    expect(bust).toMatchObject({ side: 'buy', amount: 0.1, price: 71759.98, fee: { cost: 0, currency: 'USDT' } });
    // Loss at the liquidation price 0.1 × (71759.98 − 59999.99) = 1175.999; the rest of the margin,
    // 1199.9998 − 1175.999, is the clearance fee.
    expect(bust?.info).toMatchObject({ realizedPnl: '-1175.99900000' });
    expect((await income(ex)).slice(-2)).toEqual([
      { incomeType: 'REALIZED_PNL', income: '-1175.99900000' },
      { incomeType: 'INSURANCE_CLEAR', income: '-24.00080000' },
    ]);
  });

  it('checks signatures, timestamps and keys as spot does, and answers unknown orders with -2013 / -2011', async () => {
    const ex = client();
    await ex.loadMarkets();
    await expect(ex.fetchOrder('123456', BTC)).rejects.toThrow(ccxt.OrderNotFound);
    await expect(ex.fetchOrder('123456', BTC)).rejects.toThrow(/-2013/);
    await expect(ex.cancelOrder('123456', BTC)).rejects.toThrow(/-2011.*Unknown order sent/);
    const limit = await ex.createOrder(BTC, 'limit', 'buy', 0.1, 50000);
    expect(await ex.cancelOrder(idOf(limit), BTC)).toMatchObject({ status: 'canceled' });
    await expect(ex.cancelOrder(idOf(limit), BTC)).rejects.toThrow(ccxt.OrderNotFound);

    const forged = binanceFuturesClient(sim, { apiKey: 'binanceKey1', secret: 'not-the-secret' });
    await forged.loadMarkets();
    await expect(forged.fetchBalance()).rejects.toThrow(/-1022.*Signature for this request is not valid/);
    const stranger = binanceFuturesClient(sim, { apiKey: 'nobodyKey', secret: 'x' });
    await expect(stranger.fetchBalance()).rejects.toThrow(ccxt.AuthenticationError);
    sim.control.setClockSkew('binance', -10_000);
    await expect(ex.fetchBalance()).rejects.toThrow(ccxt.InvalidNonce);
    sim.control.setClockSkew('binance', 0);
  });

  it('answers the rest of ccxt\'s futures calls: all tickers and funding rates, trading fee, one open order, cancel all, an unfilled FOK', async () => {
    const ex = client();
    await ex.loadMarkets();
    expect(Object.keys(await ex.fetchTickers()).sort()).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT', 'XRP/USDT:USDT']);
    expect((await ex.fetchFundingRates())[BTC]).toMatchObject({ fundingRate: 0.0001, markPrice: 60000 });
    expect(await ex.fetchTradingFee(BTC)).toMatchObject({ symbol: BTC, maker: 0.0002, taker: 0.0005 });
    const a = await ex.createOrder(BTC, 'limit', 'buy', 0.01, 50000);
    await ex.createOrder(BTC, 'limit', 'buy', 0.01, 51000);
    expect(await ex.fetchOpenOrder(idOf(a), BTC)).toMatchObject({ id: idOf(a), status: 'open', price: 50000 });
    await ex.cancelAllOrders(BTC);
    expect(fapi('/fapi/v1/allOpenOrders')).toHaveLength(1);
    expect(await ex.fetchOpenOrders(BTC)).toEqual([]);
    await expect(ex.fetchOpenOrder(idOf(a), BTC)).rejects.toThrow(/-2013/);
    // A FOK limit below the ask cannot fill at once: refused (-5021), nothing held.
    await expect(ex.createOrder(BTC, 'limit', 'buy', 0.01, 59000, { timeInForce: 'FOK' })).rejects.toThrow(/-5021/);
    expect(amountOf((await ex.fetchBalance()).used, 'USDT')).toBe(0);
  });

  it('answers the demo host with the futures wallet the control API sets; ccxt itself refuses private calls on the old futures testnet', async () => {
    sim.control.setFuturesBalances('binance', 'binanceKey1', { USDT: '123.45' });
    const demo = binanceFuturesClient(sim, { apiKey: 'binanceKey1', secret: 'binanceKey1Secret' });
    demo.enableDemoTrading(true);
    await demo.loadMarkets();
    expect(amountOf((await demo.fetchBalance()).free, 'USDT')).toBe(123.45);
    expect(sim.control.requests({ exchange: 'binance', path: '/fapi/v3/account' }).at(-1)?.host).toBe('demo-fapi.binance.com');
    await expect(demo.createOrder(BTC, 'market', 'sell', 0.1)).rejects.toThrow(/-2019/);

    // ccxt 4.5.84's sandbox mode still points fapi at testnet.binancefuture.com: public calls go
    // there, but every signed one is refused by ccxt before anything is sent (NotSupported).
    const testnet = binanceFuturesClient(sim, { apiKey: 'binanceKey1', secret: 'binanceKey1Secret', sandbox: true });
    await testnet.loadMarkets();
    expect(sim.control.requests({ exchange: 'binance', path: '/fapi/v1/exchangeInfo' }).at(-1)?.host).toBe('testnet.binancefuture.com');
    const signed = sim.control.requests({ exchange: 'binance' }).length;
    await expect(testnet.fetchBalance()).rejects.toThrow(ccxt.NotSupported);
    expect(sim.control.requests({ exchange: 'binance' })).toHaveLength(signed);
  });
});
