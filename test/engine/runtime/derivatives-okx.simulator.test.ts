import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/money.js';
import { ccxtConfig } from '../../../src/exchanges/ccxt/ccxt-options.js';
import { getProfile } from '../../../src/exchanges/profiles/index.js';
import { until, useSimulatorAccount } from './live-support.js';
import { PERP, usePerpBot, usePerpLab } from './perp-support.js';

/**
 * A live bot on OKX's USDT-margined swap (BTC-USDT-SWAP, ccxt BTC/USDT:USDT), through unmodified ccxt
 * and the simulator's derivatives venue. OKX sizes swaps in contracts of 0.01 BTC: the bot's 0.1 BTC
 * goes out as `sz` 10 and every contract amount comes back in BTC. The start reads the position mode
 * (net), sets 5× under isolated (set-leverage with mgnMode) and reads it back (leverage-info); each
 * order names its margin mode (`tdMode`); a short entry is a plain sell, its exit a reduce-only buy;
 * an entry whose liquidation would come before its stop is refused; funding is booked from the
 * type-8 bills; a liquidation (the fills' subType 106) is taken into the books.
 */

// The production limiter: OKX allows 5 bills-archive reads per 2 s, which a candle every few ms would exceed.
const perp = usePerpLab({ limiter: true });
const { lab, paths } = perp;

describe('derivatives on a live engine (OKX USDT swap, simulator)', () => {
  // One trading account for spot and swaps: the USDT is the margin.
  const account = useSimulatorAccount(lab, { exchange: 'okx', balances: { USDT: '10000' } });
  const connectionId = 'perp-okx';
  const bot = usePerpBot(perp, { exchange: 'okx', connectionId, marketTypes: ['spot', 'swap'], account });

  // This test's account only (the simulator and its request log serve the whole file).
  const requests = (path: string) => lab.sim.control.requests({ exchange: 'okx' }).filter((r) => r.path === path && r.headers['ok-access-key'] === account.apiKey);
  const placed = () => requests('/api/v5/trade/order').filter((r) => r.method === 'POST');
  const status = () => bot.service.status(connectionId);
  const usdt = () => lab.sim.control.account('okx', account.apiKey)?.balances['USDT'];
  const enterShort = async (size: { quote: string } | { base: string }): Promise<void> => {
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size }]);
    expect(await until(async () => (await status()).positions.some((p) => p.symbol === PERP && p.side === 'short'), 5_000)).toBe(true);
  };

  it('sets 5× isolated before the first order and reads it back; shorts 10 contracts with a sell and exits with a reduce-only buy', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true, stopLossPct: 5 });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    expect(requests('/api/v5/account/config').length).toBeGreaterThan(0); // posMode net_mode
    expect(requests('/api/v5/account/set-leverage').map((r) => [r.params['instId'], r.params['lever'], r.params['mgnMode']])).toEqual([['BTC-USDT-SWAP', '5', 'isolated']]);
    expect(requests('/api/v5/account/leverage-info').at(-1)?.params).toMatchObject({ instId: 'BTC-USDT-SWAP', mgnMode: 'isolated' });
    expect(placed()).toHaveLength(0);

    await enterShort({ quote: '3000' });
    const [entry] = await account.db.orders.listFills(connectionId);
    expect(entry).toMatchObject({ side: 'sell', amount: '0.1', feeAsset: 'USDT' });
    expect((await status()).positions.find((p) => p.symbol === PERP)).toMatchObject({ side: 'short', quantity: '-0.1', averageEntryPrice: entry?.price, leverage: '5' });
    const sell = placed().at(-1);
    expect(sell?.params).toMatchObject({ instId: 'BTC-USDT-SWAP', tdMode: 'isolated', side: 'sell', ordType: 'market', sz: '10' });
    expect(sell?.params['reduceOnly']).toBeUndefined();
    // The margin (0.1 × entry ÷ 5) is held in the trading account's USDT.
    expect(usdt()?.used).toBe(new Dec(entry?.price ?? '0').mul('0.1').div(5).toFixed());

    paths.get('BTC/USDT')?.trade('29000');
    await bot.nextCandle([{ kind: 'exit' }]);
    expect(await until(async () => (await status()).positions.every((p) => p.symbol !== PERP || p.side === 'flat'), 5_000)).toBe(true);
    expect(placed().at(-1)?.params).toMatchObject({ tdMode: 'isolated', side: 'buy', sz: '10', reduceOnly: 'true' });
    const [sold, bought] = await account.db.orders.listFills(connectionId);
    expect(bought).toMatchObject({ side: 'buy', amount: '0.1', feeAsset: 'USDT' });
    // Taker 0.05 % in USDT.
    expect(new Dec(sold?.fee ?? '0').toFixed()).toBe(new Dec(sold?.price ?? '0').mul('0.1').mul('0.0005').toFixed());
    const pnl = (await status()).pnl;
    expect(pnl.realizedPnl).toBe(new Dec(sold?.price ?? '0').sub(bought?.price ?? '0').mul('0.1').toFixed());
    expect(new Dec(pnl.realizedPnl).gt(99)).toBe(true);
    expect(usdt()).toEqual({ free: new Dec(10000).add(pnl.realizedPnl).sub(pnl.fees).toFixed(), used: '0' });
  });

  it('refuses an entry whose liquidation would come before its stop-loss, and says why', async () => {
    const started = await bot.start({ leverage: '50', allowShort: true, stopLossPct: 5 });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    expect(requests('/api/v5/account/set-leverage').at(-1)?.params).toMatchObject({ lever: '50', mgnMode: 'isolated' });
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { quote: '3000' } }]);
    const refused = (await bot.events()).find((e) => e.type === 'risk.rejected');
    expect(String(refused?.payload['reason'])).toMatch(/^Liquidation inside the stop: at 50× a short from 30,?000/);
    expect(placed()).toHaveLength(0);
  });

  it('stops the start when the account trades the pair in another margin mode, naming what it holds (59000 and the isolated position)', async () => {
    const first = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(first.state).toBe('running');
    await enterShort({ base: '0.1' });
    await bot.service.stop(connectionId, { cancelOpenOrders: false });
    await expect(bot.start({ leverage: '5', marginMode: 'cross', allowShort: true })).rejects.toThrow(
      /BTC\/USDT:USDT on the account is isolated at 5×, not the cross at 5× this bot asks for \(the exchange refused: leverage 5: .*59000/,
    );
  });

  it('refuses to start on an account in long/short (hedge) position mode, before any setting is sent, and starts once it is net again', async () => {
    const rest = new lab.ccxt.classes.okx(ccxtConfig({ id: 'check', exchange: 'okx', mode: 'live', credentials: account.credentials, marketTypes: ['swap'], proxyUrl: lab.sim.url, timeoutMs: 5_000 }, getProfile('okx')));
    await rest.setPositionMode(true);
    await expect(bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true })).rejects.toThrow(/^The account is in hedge mode \(a long and a short position per pair\); CTS trades one-way positions only, so BTC\/USDT:USDT cannot be traded on it/);
    expect(requests('/api/v5/account/set-leverage')).toHaveLength(0);
    await rest.setPositionMode(false);
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
  });

  it('books the 8-hourly funding, positive when received, from the type-8 bills', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await enterShort({ base: '0.1' });
    const booked = async () => (await bot.events()).filter((e) => e.type === 'funding.booked');
    for (let i = 0; i < 10 && (await booked()).length === 0; i += 1) await bot.nextCandle([]);
    expect(await until(async () => (await booked()).length === 1, 5_000)).toBe(true);
    // The simulator's constant 0.0001 on a 0.1 BTC short at 30,000: received.
    expect((await booked())[0]?.payload).toMatchObject({ symbol: PERP, amount: '0.3', rate: null, funding: '0.3' });
    expect(requests('/api/v5/account/bills-archive').some((r) => r.params['type'] === '8' && r.params['instType'] === 'SWAP')).toBe(true);
    expect((await status()).pnl.funding).toBe('0.3');
  });

  it('a liquidation on the exchange is taken into the books from its fills (subType 106): the loss is realized and the bot is flat', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await enterShort({ base: '0.1' });
    const [entry] = await account.db.orders.listFills(connectionId);
    // 25 % against the 5× isolated short: the exchange takes it over at the bankruptcy price at the next step.
    paths.get('BTC/USDT')?.trade('37500');
    await bot.nextCandle([]);
    expect(lab.sim.control.derivatives('okx').position(account.apiKey, 'BTC/USDT').size).toBe('0');
    const liquidated = async () => (await bot.events()).find((e) => e.type === 'position.liquidated');
    expect(await until(async () => (await liquidated()) !== undefined, 5_000)).toBe(true);
    expect((await liquidated())?.payload).toMatchObject({ symbol: PERP, before: '-0.1', after: '0' });
    const liquidation = lab.sim.control.derivatives('okx').orders(account.apiKey, { symbol: 'BTC/USDT' }).find((o) => o.createdBy === 'liquidation');
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
    expect(usdt()).toEqual({ free: new Dec(10000).sub(margin).sub(entry?.fee ?? '0').toFixed(), used: '0' });
    // Nothing left at the exchange.
    const rest = new lab.ccxt.classes.okx(ccxtConfig({ id: 'check', exchange: 'okx', mode: 'live', credentials: account.credentials, marketTypes: ['swap'], proxyUrl: lab.sim.url, timeoutMs: 5_000 }, getProfile('okx')));
    expect(await rest.fetchPositions([PERP])).toEqual([]);
  });
});
