import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/money.js';
import { FUNDING_INTERVAL_MS } from '../../simulator/matching/funding.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { ScriptedPath } from '../support/scripted-path.js';
import { idOf } from './clients.js';

/**
 * OKX v5 USDT-margined swaps (instType SWAP) through unmodified ccxt 4.5.84 with `defaultType: 'swap'`:
 * instruments sized in contracts (ctVal), leverage per margin mode (set-leverage, leverage-info),
 * net position mode, a 5× isolated short opened and closed reduce-only, the reduce-only, leverage and
 * margin refusals by sCode, funding bills (type 8) at the 8 h boundary, and a liquidation with its
 * order (category full_liquidation), fill and bill (subType 106/107). BTC follows a path the test moves
 * by hand, so every figure is exact.
 */

const HOUR = 3_600_000;
const BTC = 'BTC/USDT:USDT';
const FIRST_OPEN = Date.UTC(2026, 0, 1, 0);
const flatAt = (start: string) => new ScriptedPath({ start: FIRST_OPEN, length: 50, priceAt: (_, previous) => previous ?? start });
const btcPath = flatAt('60000');
let sim: RunningSimulator;
let seq = 0;

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
});

function stepsToFunding(): number {
  const open = btcPath.current().openTime;
  return (Math.floor(open / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS - open) / HOUR;
}

function client(usdt = '10000'): { ex: InstanceType<typeof ccxt.okx>; apiKey: string } {
  const apiKey = `okx-swap-${++seq}`;
  sim.control.addAccount('okx', { apiKey, secret: 'okx-swap-secret', passphrase: 'okx-swap-pass', permissions: { trade: true, withdraw: false, ipRestricted: true }, balances: { USDT: usdt } });
  const ex = new ccxt.okx({
    apiKey, secret: 'okx-swap-secret', password: 'okx-swap-pass', proxyUrl: sim.url, enableRateLimit: false,
    options: { defaultType: 'swap', fetchMarkets: { types: ['swap'] }, createOrder: 'privatePostTradeOrder' },
  });
  ex.has['fetchCurrencies'] = false;
  return { ex, apiKey };
}

const requests = (path: string) => sim.control.requests({ exchange: 'okx' }).filter((r) => r.path === path);

describe('OKX swaps through ccxt (simulator)', () => {
  it('lists BTC-USDT-SWAP sized in contracts of 0.01 BTC, with mark price and funding', async () => {
    const { ex } = client();
    const markets = await ex.loadMarkets();
    const m = markets[BTC];
    expect(m).toMatchObject({ id: 'BTC-USDT-SWAP', type: 'swap', linear: true, settle: 'USDT', contractSize: 0.01 });
    expect(m?.precision.amount).toBe(0.01);
    expect(m?.limits.amount?.min).toBe(0.01);
    expect((await ex.fetchTicker(BTC)).last).toBe(60000);
    const funding = await ex.fetchFundingRate(BTC);
    expect(funding).toMatchObject({ fundingRate: 0.0001, markPrice: undefined });
    expect(funding.fundingTimestamp).toBe(btcPath.current().openTime + 8 * HOUR);
    const mark = await ex.fetchMarkOHLCV(BTC, '1h', undefined, 3);
    expect(mark.at(-1)?.[4]).toBe(60000);
    sim.control.step(8);
    const history = await ex.fetchFundingRateHistory(BTC, undefined, 5);
    expect(history.at(-1)).toMatchObject({ fundingRate: 0.0001, timestamp: btcPath.current().openTime });
  });

  it('sets 5× isolated and reads it back; net mode; a short of 10 contracts (0.1 BTC) opened and closed reduce-only', async () => {
    const { ex, apiKey } = client();
    await ex.setMarginMode('isolated', BTC, { lever: 5 });
    await ex.setLeverage(5, BTC, { marginMode: 'isolated' });
    expect(requests('/api/v5/account/set-leverage').at(-1)?.params).toMatchObject({ instId: 'BTC-USDT-SWAP', lever: '5', mgnMode: 'isolated', posSide: 'net' });
    expect(await ex.fetchLeverage(BTC, { marginMode: 'isolated' })).toMatchObject({ marginMode: 'isolated', longLeverage: 5 });
    expect((await ex.fetchPositionMode(BTC)).hedged).toBe(false);
    const sell = await ex.createOrder(BTC, 'market', 'sell', 10, undefined, { marginMode: 'isolated', clOrdId: 'short1' });
    expect(requests('/api/v5/trade/order').at(-1)?.params).toMatchObject({ instId: 'BTC-USDT-SWAP', tdMode: 'isolated', side: 'sell', sz: '10' });
    const placed = await ex.fetchOrder(idOf(sell), BTC);
    expect(placed).toMatchObject({ status: 'closed', amount: 10, filled: 10, side: 'sell', reduceOnly: false });
    const [position] = await ex.fetchPositions([BTC]);
    // 60000 − one tick; margin 0.1 × price / 5.
    expect(position).toMatchObject({ symbol: BTC, side: 'short', contracts: 10, contractSize: 0.01, entryPrice: 59999.99, leverage: 5, marginMode: 'isolated' });
    expect(position?.collateral).toBe(1199.9998);
    const balance = await ex.fetchBalance();
    expect(balance['USDT']?.used).toBe(1199.9998);
    btcPath.trade('59000');
    sim.control.step();
    await ex.createOrder(BTC, 'market', 'buy', 10, undefined, { marginMode: 'isolated', reduceOnly: true });
    expect(requests('/api/v5/trade/order').at(-1)?.params).toMatchObject({ side: 'buy', sz: '10', reduceOnly: 'true' });
    expect(await ex.fetchPositions([BTC])).toEqual([]);
    const trades = await ex.fetchMyTrades(BTC);
    expect(trades.map((t) => [t.side, t.amount, t.price, t.fee?.currency])).toEqual([['sell', 10, 59999.99, 'USDT'], ['buy', 10, 59000.01, 'USDT']]);
    // ccxt's cost counts the contract size: 10 × 0.01 × price.
    expect(trades[0]?.cost).toBeCloseTo(5999.999, 6);
    const usdt = sim.control.account('okx', apiKey)?.balances['USDT'];
    const pnl = new Dec('59999.99').sub('59000.01').mul('0.1');
    const fees = new Dec('59999.99').add('59000.01').mul('0.1').mul('0.0005');
    expect(usdt).toEqual({ free: new Dec(10000).add(pnl).sub(fees).toFixed(), used: '0' });
  });

  it('refuses by sCode: leverage above the tier 59102, reduce-only with no position 51169 and in the position\'s direction 51170, margin 51008; hedge mode reported, its orders refused', async () => {
    const { ex } = client('100');
    await expect(ex.setLeverage(101, BTC, { marginMode: 'isolated' })).rejects.toThrow(/59102/);
    await expect(ex.createOrder(BTC, 'market', 'buy', 1, undefined, { marginMode: 'cross', reduceOnly: true })).rejects.toThrow(/51169/);
    await ex.createOrder(BTC, 'market', 'buy', 1, undefined, { marginMode: 'cross' });
    await expect(ex.createOrder(BTC, 'market', 'buy', 1, undefined, { marginMode: 'cross', reduceOnly: true })).rejects.toThrow(/51170/);
    await expect(ex.createOrder(BTC, 'market', 'buy', 100, undefined, { marginMode: 'cross' })).rejects.toThrow(ccxt.InsufficientFunds);
    // Hedge mode: refused while a position is open; once flat the account reports it, and refuses every swap order.
    await expect(ex.setPositionMode(true)).rejects.toThrow(/59000/);
    await ex.createOrder(BTC, 'market', 'sell', 1, undefined, { marginMode: 'cross', reduceOnly: true });
    await ex.setPositionMode(true);
    expect((await ex.fetchPositionMode(BTC)).hedged).toBe(true);
    await expect(ex.createOrder(BTC, 'market', 'buy', 1, undefined, { marginMode: 'cross' })).rejects.toThrow(/posSide/);
    await ex.setPositionMode(false);
    expect((await ex.fetchPositionMode(BTC)).hedged).toBe(false);
  });

  it('books funding every 8 h as type-8 bills, balChg negative when paid; ccxt\'s fetchFundingHistory reads them', async () => {
    const { ex } = client();
    await ex.setLeverage(5, BTC, { marginMode: 'isolated' });
    await ex.createOrder(BTC, 'market', 'buy', 10, undefined, { marginMode: 'isolated' });
    sim.control.step(8);
    const history = await ex.fetchFundingHistory(BTC);
    // A 0.1 BTC long at a mark of 60000 pays 0.0001: −0.6.
    expect(history.map((h) => [h.amount, h.code, h.timestamp])).toEqual([[-0.6, 'USDT', btcPath.current().openTime]]);
    expect(history[0]?.info).toMatchObject({ type: '8', subType: '173', balChg: '-0.6', instId: 'BTC-USDT-SWAP' });
    expect(requests('/api/v5/account/bills-archive').at(-1)?.params).toMatchObject({ type: '8', instType: 'SWAP', ccy: 'USDT' });
  });

  it('liquidates an isolated 5× short at the mark: the order is a full_liquidation, its fill subType 106, its bill type 5', async () => {
    const { ex, apiKey } = client();
    await ex.setLeverage(5, BTC, { marginMode: 'isolated' });
    await ex.createOrder(BTC, 'market', 'sell', 10, undefined, { marginMode: 'isolated' });
    btcPath.trade('75000');
    sim.control.step();
    expect(await ex.fetchPositions([BTC])).toEqual([]);
    const trades = await ex.fetchMyTrades(BTC);
    const forced = trades.at(-1);
    expect(forced).toMatchObject({ side: 'buy', amount: 10 });
    expect(forced?.info).toMatchObject({ subType: '106' });
    const order = await ex.fetchOrder(String(forced?.order), BTC);
    expect(order.info).toMatchObject({ category: 'full_liquidation', reduceOnly: 'true' });
    // The bill of the liquidation: type 5, the whole margin as its balance change.
    const raw = (await ex.privateGetAccountBills({ instType: 'SWAP', type: '5' })) as { data: Record<string, unknown>[] };
    expect(raw.data).toEqual([expect.objectContaining({ type: '5', subType: '106', instId: 'BTC-USDT-SWAP', sz: '10', balChg: '-1199.9998', ordId: String(forced?.order) })]);
    // The whole isolated margin is gone, no more: 10000 − margin − the entry fee.
    const entry = new Dec('59999.99');
    const margin = entry.mul('0.1').div(5);
    expect(sim.control.account('okx', apiKey)?.balances['USDT']).toEqual({ free: new Dec(10000).sub(margin).sub(entry.mul('0.1').mul('0.0005')).toFixed(), used: '0' });
  });
});
