import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/money.js';
import { FUNDING_INTERVAL_MS } from '../../simulator/matching/funding.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { ScriptedPath } from '../support/scripted-path.js';

/**
 * HTX USDT-margined swaps (api.hbdm.com; v5 private API, /linear-swap-api and /linear-swap-ex public)
 * through unmodified ccxt 4.5.84: contracts of 0.001 BTC, leverage set per contract and margin mode,
 * a 5× isolated short opened and closed reduce-only, HTX's codes for refusals, funding bills (type
 * 30/31) at the 8 h boundary, a liquidation as a trade of order_type 3, the contract account apart
 * from spot, dual-side position mode refused. BTC follows a path the test moves by hand.
 */

const HOUR = 3_600_000;
const BTC = 'BTC/USDT:USDT';
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
  sim.control.step(stepsToFunding());
  sim.control.addAccount('htx', { apiKey: 'htxKey1', secret: 'htxSecret1', balances: { USDT: '500' }, futuresBalances: { USDT: '10000' } });
});

function stepsToFunding(): number {
  const open = btcPath.current().openTime;
  return (Math.floor(open / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS - open) / HOUR;
}

function client(): InstanceType<typeof ccxt.htx> {
  const ex = new ccxt.htx({
    apiKey: 'htxKey1',
    secret: 'htxSecret1',
    proxyUrl: sim.url,
    enableRateLimit: false,
    timeout: 5_000,
    options: { defaultType: 'swap', fetchMarkets: { types: { spot: false, linear: true, inverse: false } } },
  });
  ex.has['fetchCurrencies'] = false;
  return ex;
}

const calls = (path: string) => sim.control.requests({ exchange: 'htx' }).filter((r) => r.path === path);
const failure = async (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);
const wallet = () => sim.control.account('htx', 'htxKey1')?.futures?.balances['USDT'];

describe('HTX USDT-margined swaps through unmodified ccxt', () => {
  it('lists the swaps with their contract size and tick; ticker, candles, mark candles and funding rate', async () => {
    const ex = client();
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT', 'XRP/USDT:USDT']);
    expect(ex.market(BTC)).toMatchObject({ id: 'BTC-USDT', swap: true, linear: true, settle: 'USDT', contractSize: 0.001, precision: { amount: 1 }, taker: 0.0005, maker: 0.0002 });
    expect(await ex.fetchTicker(BTC)).toMatchObject({ symbol: BTC, last: 60000 });
    // ccxt sends from/to (seconds); without `since` it counts back from its own clock, not the simulator's.
    const since = btcPath.current().openTime - 4 * HOUR;
    const candles = await ex.fetchOHLCV(BTC, '1h', since, 5);
    expect(candles.map((c) => c[0])).toEqual([0, 1, 2, 3, 4].map((i) => since + i * HOUR));
    expect(candles.at(-1)?.[4]).toBe(60000);
    expect((await ex.fetchMarkOHLCV(BTC, '1h', since, 5)).at(-1)?.[4]).toBe(60000);
    const rate = await ex.fetchFundingRate(BTC);
    expect(rate).toMatchObject({ symbol: BTC, fundingRate: 0.0001, interval: '8h' });
    expect(calls('/v5/market/funding_rate')).toHaveLength(1);
  });

  it('sets 5× isolated, shorts 100 contracts (0.1 BTC) at market and closes them reduce-only; margin and fees from the contract account', async () => {
    const ex = client();
    await ex.setLeverage(5, BTC, { marginMode: 'isolated' });
    expect(calls('/v5/position/lever').at(-1)?.params).toMatchObject({ contract_code: 'BTC-USDT', lever_rate: '5', margin_mode: 'isolated' });
    const lever = (await ex.contractPrivateGetV5PositionLever({ contract_code: 'BTC-USDT', margin_mode: 'isolated' })) as { data: Record<string, unknown>[] };
    expect(lever.data).toEqual([expect.objectContaining({ contract_code: 'BTC-USDT', margin_mode: 'isolated', lever_rate: 5, position_side: 'both' })]);

    const sold = await ex.createOrder(BTC, 'market', 'sell', 100, undefined, { marginMode: 'isolated' });
    expect(calls('/v5/trade/order').at(-1)?.params).toMatchObject({ contract_code: 'BTC-USDT', margin_mode: 'isolated', side: 'sell', type: 'market', volume: '100' });
    const order = await ex.fetchOrder(String(sold.id), BTC, { marginMode: 'isolated' });
    // A market sell takes the bid, one tick under the last.
    expect(order).toMatchObject({ id: sold.id, status: 'closed', side: 'sell', amount: 100, filled: 100, average: 59999.99, reduceOnly: false });
    const entryFee = new Dec('5999.999').mul('0.0005'); // 0.1 BTC at 59999.99, taker 0.05 %
    expect(order.fee).toMatchObject({ cost: entryFee.toFixed(), currency: 'USDT' });
    const [position] = await ex.fetchPositions([BTC]);
    expect(position).toMatchObject({ symbol: BTC, side: 'short', contracts: 100, contractSize: 0.001, entryPrice: 59999.99, leverage: 5, marginMode: 'isolated', markPrice: 60000 });
    expect(position?.liquidationPrice).toBeGreaterThan(60000);
    const margin = new Dec('5999.999').div(5);
    expect(wallet()).toEqual({ free: new Dec(10000).sub(margin).sub(entryFee).toFixed(), used: margin.toFixed() });

    btcPath.trade('59000');
    sim.control.step();
    const bought = await ex.createOrder(BTC, 'market', 'buy', 100, undefined, { marginMode: 'isolated', reduceOnly: true });
    expect(calls('/v5/trade/order').at(-1)?.params).toMatchObject({ side: 'buy', volume: '100', reduce_only: '1' });
    expect(await ex.fetchPositions([BTC])).toEqual([]);
    const trades = await ex.fetchMyTrades(BTC);
    expect(trades.map((t) => [t.order, t.side, t.amount])).toEqual([[sold.id, 'sell', 100], [bought.id, 'buy', 100]]);
    const exitPrice = new Dec(String(trades[1]?.price));
    const exitFee = exitPrice.mul('0.1').mul('0.0005');
    // HTX's v5 trade_fee is the fee charged, positive (as ccxt's recorded v5 sample has it); ccxt 4.5.84
    // negates it (its rule for the legacy contract API, where a charge was negative): CTS must not take it as is.
    expect(trades.map((t) => t.fee?.cost)).toEqual([entryFee.neg().toNumber(), exitFee.neg().toNumber()]);
    const pnl = new Dec('59999.99').sub(exitPrice).mul('0.1');
    expect((trades[1]?.info as Record<string, unknown>)['profit']).toBe(pnl.toFixed());
    const after = new Dec(10000).add(pnl).sub(entryFee).sub(exitFee);
    expect(wallet()).toEqual({ free: after.toFixed(), used: '0' });
    // The spot account is untouched.
    expect(sim.control.account('htx', 'htxKey1')?.balances['USDT']).toEqual({ free: '500', used: '0' });
    const balance = await ex.fetchBalance({ type: 'swap' });
    expect(balance['USDT']?.total).toBe(after.toNumber());
  });

  it("answers refusals with HTX's codes: 1048 reduce-only with nothing to close, 1047 insufficient margin, 1037 leverage above the maximum, 1045 margin mode switch with a position", async () => {
    const ex = client();
    await ex.setLeverage(5, BTC, { marginMode: 'isolated' });
    const reduce = await failure(ex.createOrder(BTC, 'market', 'buy', 1, undefined, { marginMode: 'isolated', reduceOnly: true }));
    expect(reduce).toBeInstanceOf(ccxt.InsufficientFunds);
    expect(String(reduce)).toContain('"code":1048');
    const big = await failure(ex.createOrder(BTC, 'market', 'sell', 1_000_000, undefined, { marginMode: 'isolated' }));
    expect(big).toBeInstanceOf(ccxt.InsufficientFunds);
    expect(String(big)).toContain('"code":1047');
    const high = (await ex.contractPrivatePostV5PositionLever({ contract_code: 'BTC-USDT', margin_mode: 'isolated', lever_rate: 500 })) as Record<string, unknown>;
    expect(high).toMatchObject({ code: 1037 });
    await ex.createOrder(BTC, 'market', 'sell', 10, undefined, { marginMode: 'isolated' });
    const switched = (await ex.contractPrivatePostV5PositionLever({ contract_code: 'BTC-USDT', margin_mode: 'cross', lever_rate: 5 })) as Record<string, unknown>;
    expect(switched).toMatchObject({ code: 1045 });
    const unknown = await failure(ex.fetchOrder('123', BTC));
    expect(unknown).toBeInstanceOf(ccxt.OrderNotFound);
  });

  it('books funding at the 8 h boundary as bills of type 30 (income) / 31 (expense), signed for the account', async () => {
    const ex = client();
    await ex.setLeverage(5, BTC, { marginMode: 'isolated' });
    await ex.createOrder(BTC, 'market', 'sell', 100, undefined, { marginMode: 'isolated' });
    sim.control.step(8);
    const history = await ex.fetchFundingHistory(BTC, undefined, undefined, { marginMode: 'isolated' });
    expect(calls('/v5/account/bills').at(-1)?.params).toMatchObject({ type: '30,31', contract_code: 'BTC-USDT', margin_mode: 'isolated' });
    // 0.1 BTC short × 60000 × 0.0001: received.
    expect(history.map((h) => [h.symbol, (h.info as Record<string, unknown>)['type'], (h.info as Record<string, unknown>)['amount']])).toEqual([[BTC, '30', '0.6']]);
  });

  it('liquidates at the mark and lists the liquidation as a trade of order_type 3 (order_source risk)', async () => {
    const ex = client();
    await ex.setLeverage(5, BTC, { marginMode: 'isolated' });
    await ex.createOrder(BTC, 'market', 'sell', 100, undefined, { marginMode: 'isolated' });
    btcPath.trade('75000');
    sim.control.step();
    expect(await ex.fetchPositions([BTC])).toEqual([]);
    const trades = await ex.fetchMyTrades(BTC);
    const forced = trades.find((t) => (t.info as Record<string, unknown>)['order_type'] === '3');
    expect(forced).toMatchObject({ side: 'buy', amount: 100 });
    expect((forced?.info as Record<string, unknown>)['order_source']).toBe('risk');
    // At the bankruptcy price the isolated margin (0.1 × entry ÷ 5) is lost, to within the tick the price is rounded to.
    const left = new Dec(wallet()?.free ?? '0');
    expect(left.sub(new Dec(10000).sub('1199.9998').sub('2.9999995')).abs().lte('0.01')).toBe(true);
  });

  it('reads and switches the position mode; in dual_side mode orders are refused, and a switch with a position is too', async () => {
    const ex = client();
    expect(await ex.contractPrivateGetV5PositionMode()).toMatchObject({ code: 200, data: { position_mode: 'single_side' } });
    await ex.setPositionMode(true);
    expect(await ex.contractPrivateGetV5PositionMode()).toMatchObject({ data: { position_mode: 'dual_side' } });
    const refused = await failure(ex.createOrder(BTC, 'market', 'sell', 1, undefined, { marginMode: 'isolated' }));
    expect(refused === undefined || !(refused instanceof ccxt.InsufficientFunds)).toBe(true);
    expect(sim.control.derivatives('htx').orders('htxKey1')).toEqual([]);
    await ex.setPositionMode(false);
    await ex.createOrder(BTC, 'market', 'sell', 1, undefined, { marginMode: 'isolated' });
    expect(await ex.setPositionMode(true)).toMatchObject({ code: 1430 });
  });
});
