import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/money.js';
import { ccxtConfig } from '../../../src/exchanges/ccxt/ccxt-options.js';
import { getProfile } from '../../../src/exchanges/profiles/index.js';
import { until, useSimulatorAccount } from './live-support.js';
import { PERP, usePerpBot, usePerpLab } from './perp-support.js';

/**
 * A live bot on HTX's USDT-margined swap (contract BTC-USDT of 0.001 BTC, ccxt BTC/USDT:USDT), through
 * unmodified ccxt 4.5.84 and the simulator's derivatives venue; ccxt trades linear swaps on HTX's v5
 * API (api.hbdm.com). The start reads the position mode (GET /v5/position/mode, single_side), sets 5×
 * under isolated (POST /v5/position/lever with margin_mode) and reads it back (GET /v5/position/lever);
 * every order names its margin mode (`margin_mode`); the bot's 0.1 BTC goes out as volume 100 and
 * comes back in BTC; a short entry is a sell, its exit a reduce-only buy (`reduce_only` 1); margin and
 * fees come from the contract account, apart from spot; an entry whose liquidation would come before
 * its stop is refused; funding is booked from the v5 bills (type 30 / 31); a liquidation (a trade of
 * order_type 3) is taken into the books; a dual_side account is refused before any setting is sent.
 */

const perp = usePerpLab();
const { lab, paths } = perp;

describe('derivatives on a live engine (HTX USDT swap, simulator)', () => {
  // 500 USDT on spot, less than any entry here needs as margin: the contract account (10000 USDT) funds them.
  const account = useSimulatorAccount(lab, { exchange: 'htx', balances: { USDT: '500' } });
  const connectionId = 'perp-htx';
  const bot = usePerpBot(perp, { exchange: 'htx', connectionId, marketTypes: ['spot', 'futures'], account, beforeService: () => lab.sim.control.setFuturesBalances('htx', account.apiKey, { USDT: '10000' }) });

  // This test's account only (the simulator and its request log serve the whole file).
  const requests = (path: string) => lab.sim.control.requests({ exchange: 'htx' }).filter((r) => r.path === path && r.params['AccessKeyId'] === account.apiKey);
  const placed = () => requests('/v5/trade/order').filter((r) => r.method === 'POST');
  const status = () => bot.service.status(connectionId);
  const wallet = () => lab.sim.control.account('htx', account.apiKey)?.futures?.balances['USDT'];
  const rest = () => new lab.ccxt.classes.htx(ccxtConfig({ id: 'check', exchange: 'htx', mode: 'live', credentials: account.credentials, marketTypes: ['futures'], proxyUrl: lab.sim.url, timeoutMs: 5_000 }, getProfile('htx')));
  const enterShort = async (size: { quote: string } | { base: string }): Promise<void> => {
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size }]);
    expect(await until(async () => (await status()).positions.some((p) => p.symbol === PERP && p.side === 'short'), 5_000)).toBe(true);
  };

  it('sets 5× isolated before the first order and reads it back; shorts 100 contracts with a sell and exits with a reduce-only buy, margin and fees from the contract account', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true, stopLossPct: 5 });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    expect(requests('/v5/position/mode').length).toBeGreaterThan(0);
    expect(requests('/v5/position/lever').filter((r) => r.method === 'POST').map((r) => [r.params['contract_code'], r.params['lever_rate'], r.params['margin_mode']])).toEqual([['BTC-USDT', '5', 'isolated']]);
    expect(requests('/v5/position/lever').filter((r) => r.method === 'GET').at(-1)?.params).toMatchObject({ contract_code: 'BTC-USDT', margin_mode: 'isolated' });
    expect(placed()).toHaveLength(0);

    await enterShort({ quote: '3000' });
    const [entry] = await account.db.orders.listFills(connectionId);
    expect(entry).toMatchObject({ side: 'sell', amount: '0.1', feeAsset: 'USDT' });
    expect((await status()).positions.find((p) => p.symbol === PERP)).toMatchObject({ side: 'short', quantity: '-0.1', averageEntryPrice: entry?.price, leverage: '5' });
    const sell = placed().at(-1);
    expect(sell?.params).toMatchObject({ contract_code: 'BTC-USDT', margin_mode: 'isolated', side: 'sell', type: 'market', volume: '100' });
    expect(sell?.params['reduce_only']).toBeUndefined();
    // Taker 0.05 % in USDT, charged: HTX's positive trade_fee, which ccxt 4.5.84 would have negated.
    expect(new Dec(entry?.fee ?? '0').toFixed()).toBe(new Dec(entry?.price ?? '0').mul('0.1').mul('0.0005').toFixed());
    expect(wallet()?.used).toBe(new Dec(entry?.price ?? '0').mul('0.1').div(5).toFixed());
    expect(lab.sim.control.account('htx', account.apiKey)?.balances['USDT']).toEqual({ free: '500', used: '0' });

    paths.get('BTC/USDT')?.trade('29000');
    await bot.nextCandle([{ kind: 'exit' }]);
    expect(await until(async () => (await status()).positions.every((p) => p.symbol !== PERP || p.side === 'flat'), 5_000)).toBe(true);
    expect(placed().at(-1)?.params).toMatchObject({ margin_mode: 'isolated', side: 'buy', volume: '100', reduce_only: '1' });
    const [sold, bought] = await account.db.orders.listFills(connectionId);
    expect(bought).toMatchObject({ side: 'buy', amount: '0.1', feeAsset: 'USDT' });
    const pnl = (await status()).pnl;
    expect(pnl.realizedPnl).toBe(new Dec(sold?.price ?? '0').sub(bought?.price ?? '0').mul('0.1').toFixed());
    expect(new Dec(pnl.realizedPnl).gt(99)).toBe(true);
    expect(pnl.fees).toBe(new Dec(sold?.fee ?? '0').add(bought?.fee ?? '0').toFixed());
    expect(wallet()).toEqual({ free: new Dec(10000).add(pnl.realizedPnl).sub(pnl.fees).toFixed(), used: '0' });
  });

  it('refuses an entry whose liquidation would come before its stop-loss, and says why', async () => {
    const started = await bot.start({ leverage: '50', allowShort: true, stopLossPct: 5 });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    expect(requests('/v5/position/lever').filter((r) => r.method === 'POST').at(-1)?.params).toMatchObject({ lever_rate: '50', margin_mode: 'isolated' });
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { quote: '3000' } }]);
    const refused = (await bot.events()).find((e) => e.type === 'risk.rejected');
    expect(String(refused?.payload['reason'])).toMatch(/^Liquidation inside the stop: at 50× a short from 30,?000/);
    expect(placed()).toHaveLength(0);
  });

  it('stops the start when the account trades the pair in another margin mode, naming what it holds (1045 and the isolated position)', async () => {
    const first = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(first.state).toBe('running');
    await enterShort({ base: '0.1' });
    await bot.service.stop(connectionId, { cancelOpenOrders: false });
    await expect(bot.start({ leverage: '5', marginMode: 'cross', allowShort: true })).rejects.toThrow(
      /BTC\/USDT:USDT on the account is isolated at 5×, not the cross at 5× this bot asks for \(the exchange refused: leverage 5: .*1045/,
    );
  });

  it('refuses to start on an account in dual_side (hedge) position mode, before any setting is sent, and starts once it is single_side again', async () => {
    const ex = rest();
    await ex.setPositionMode(true);
    await expect(bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true })).rejects.toThrow(/^The account is in hedge mode \(a long and a short position per pair\); CTS trades one-way positions only, so BTC\/USDT:USDT cannot be traded on it/);
    expect(requests('/v5/position/lever')).toHaveLength(0);
    await ex.setPositionMode(false);
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
  });

  it('books the 8-hourly funding, positive when received, from the v5 bills (type 30 / 31, the isolated ones)', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await enterShort({ base: '0.1' });
    const booked = async () => (await bot.events()).filter((e) => e.type === 'funding.booked');
    for (let i = 0; i < 10 && (await booked()).length === 0; i += 1) await bot.nextCandle([]);
    expect(await until(async () => (await booked()).length === 1, 5_000)).toBe(true);
    // The simulator's constant 0.0001 on a 0.1 BTC short at 30,000: received.
    expect((await booked())[0]?.payload).toMatchObject({ symbol: PERP, amount: '0.3', rate: null, funding: '0.3' });
    expect(requests('/v5/account/bills').some((r) => r.params['type'] === '30,31' && r.params['contract_code'] === 'BTC-USDT' && r.params['margin_mode'] === 'isolated')).toBe(true);
    expect((await status()).pnl.funding).toBe('0.3');
  });

  it('a liquidation on the exchange is taken into the books from its trade (order_type 3): the loss is realized and the bot is flat', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await enterShort({ base: '0.1' });
    const [entry] = await account.db.orders.listFills(connectionId);
    // 25 % against the 5× isolated short: the exchange takes it over at the bankruptcy price at the next step.
    paths.get('BTC/USDT')?.trade('37500');
    await bot.nextCandle([]);
    expect(lab.sim.control.derivatives('htx').position(account.apiKey, 'BTC/USDT').size).toBe('0');
    const liquidated = async () => (await bot.events()).find((e) => e.type === 'position.liquidated');
    expect(await until(async () => (await liquidated()) !== undefined, 5_000)).toBe(true);
    expect((await liquidated())?.payload).toMatchObject({ symbol: PERP, before: '-0.1', after: '0' });
    const liquidation = lab.sim.control.derivatives('htx').orders(account.apiKey, { symbol: 'BTC/USDT' }).find((o) => o.createdBy === 'liquidation');
    const fills = await account.db.orders.listFills(connectionId);
    expect(fills).toHaveLength(2);
    expect(fills[1]).toMatchObject({ side: 'buy', amount: '0.1', clientOrderId: null, orderId: String(liquidation?.orderId), fee: '0' });
    expect((await bot.events()).some((e) => e.type === 'position.mismatch')).toBe(false);
    const after = await status();
    expect(after.positions.find((p) => p.symbol === PERP)).toMatchObject({ side: 'flat', quantity: '0' });
    // At the bankruptcy price the books lose the whole isolated margin (0.1 × entry ÷ 5), as the account did.
    const margin = new Dec(entry?.price ?? '0').mul('0.1').div(5);
    expect(new Dec(after.pnl.realizedPnl).add(margin).abs().lte('0.01')).toBe(true);
    expect(after.pnl.fees).toBe(new Dec(entry?.fee ?? '0').toFixed());
    const funding = lab.sim.control.derivatives('htx').fundingPayments(account.apiKey).reduce((sum, p) => sum.sub(p.payment), new Dec(0));
    expect(new Dec(wallet()?.free ?? '0').add(wallet()?.used ?? '0').toFixed()).toBe(new Dec(10000).sub(margin).sub(entry?.fee ?? '0').add(funding).toFixed());
    // Nothing left at the exchange.
    expect(await rest().fetchPositions([PERP])).toEqual([]);
  });
});
