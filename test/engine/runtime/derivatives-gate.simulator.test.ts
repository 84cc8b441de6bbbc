import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/money.js';
import { until, useSimulatorAccount } from './live-support.js';
import { PERP, usePerpBot, usePerpLab } from './perp-support.js';

/**
 * A live bot on Gate's USDT perpetual (BTC/USDT:USDT, contract BTC_USDT of 0.0001 BTC, on
 * /api/v4/futures/usdt), through unmodified ccxt and the simulator's derivatives venue: the start
 * sets 5× isolated (Gate: leverage 5; 0 would be cross) and reads it back from the position; the
 * bot's base amounts go out as contracts (0.1 BTC = size -1000) and come back as base; a short entry
 * is a sell, its exit a reduce-only buy; the margin comes from the futures account; an entry whose
 * liquidation would come before its stop is refused; settings the account will not take stop the
 * start; funding is booked from the account book; a liquidation at the exchange is adopted from
 * GET /futures/usdt/liquidates and the liquidation order's trade.
 */

const FUTURES = '/api/v4/futures/usdt';

const perp = usePerpLab();
const { lab, paths } = perp;

describe('derivatives on a live engine (Gate USDT perpetual, simulator)', () => {
  // 500 USDT on spot, less than any entry here needs as margin: the futures account (10000 USDT) funds them.
  const account = useSimulatorAccount(lab, { exchange: 'gate', balances: { USDT: '500', BTC: '0.05' } });
  const connectionId = 'perp-gate';
  const bot = usePerpBot(perp, { exchange: 'gate', connectionId, marketTypes: ['spot', 'futures'], account, beforeService: () => lab.sim.control.setFuturesBalances('gate', account.apiKey, { USDT: '10000' }) });

  const requests = (path: string) => lab.sim.control.requests({ exchange: 'gate' }).filter((r) => r.path === `${FUTURES}${path}`);
  const orderBodies = () => requests('/orders').filter((r) => r.method === 'POST').map((r) => JSON.parse(r.body) as Record<string, unknown>);
  const futuresWallet = () => lab.sim.control.account('gate', account.apiKey)?.futures?.balances['USDT'];

  it('sets 5× isolated before the first order and reads it back; shorts 0.1 BTC as size -1000 and exits with a reduce-only buy, margin and fees from the futures account', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true, stopLossPct: 5 }, { quote: '2000' });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    expect(requests('/positions/BTC_USDT/leverage').map((r) => [r.method, r.params['leverage'], r.params['cross_leverage_limit']])).toEqual([['POST', '5', undefined]]);
    // Set before anything is traded, and read back from the position.
    expect(orderBodies()).toHaveLength(0);
    expect(requests('/positions/BTC_USDT').length).toBeGreaterThan(0);

    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { quote: '3000' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.symbol === PERP && p.side === 'short'), 5_000)).toBe(true);
    const short = (await bot.service.status(connectionId)).positions.find((p) => p.symbol === PERP);
    const [entry] = await account.db.orders.listFills(connectionId);
    expect(entry).toMatchObject({ side: 'sell', amount: '0.1', feeAsset: 'USDT' });
    expect(short).toMatchObject({ side: 'short', quantity: '-0.1', averageEntryPrice: entry?.price, leverage: '5' });
    const exact = new Dec(entry?.price ?? '0').mul('1.2').div('1.01');
    const shown = new Dec(short?.liquidationPrice ?? '0');
    expect(shown.lte(exact) && exact.sub(shown).lt('0.5')).toBe(true);
    // 0.1 BTC is 1000 contracts of 0.0001, a sell is a negative size; a market order is price 0, ioc.
    expect(orderBodies().at(-1)).toMatchObject({ contract: 'BTC_USDT', size: -1000, price: '0', tif: 'ioc' });
    expect(orderBodies().at(-1)?.['reduce_only']).toBeUndefined();
    expect(futuresWallet()?.used).toBe(new Dec(entry?.price ?? '0').mul('0.1').div(5).toFixed());
    expect(lab.sim.control.account('gate', account.apiKey)?.balances['USDT']).toEqual({ free: '500', used: '0' });

    paths.get('BTC/USDT')?.trade('29000');
    await bot.nextCandle([{ kind: 'exit' }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.every((p) => p.symbol !== PERP || p.side === 'flat'), 5_000)).toBe(true);
    expect(orderBodies().at(-1)).toMatchObject({ contract: 'BTC_USDT', size: 1000, reduce_only: true });
    const status = await bot.service.status(connectionId);
    const [sold, bought] = await account.db.orders.listFills(connectionId);
    expect(bought).toMatchObject({ side: 'buy', amount: '0.1', feeAsset: 'USDT' });
    expect(new Dec(sold?.fee ?? '0').toFixed()).toBe(new Dec(sold?.price ?? '0').mul('0.1').mul('0.0005').toFixed());
    expect(status.pnl.realizedPnl).toBe(new Dec(sold?.price ?? '0').sub(bought?.price ?? '0').mul('0.1').toFixed());
    expect(new Dec(status.pnl.realizedPnl).gt(99)).toBe(true);
    expect(status.pnl.fees).toBe(new Dec(sold?.fee ?? '0').add(bought?.fee ?? '0').toFixed());
    expect(futuresWallet()).toEqual({ free: new Dec(10000).add(status.pnl.realizedPnl).sub(status.pnl.fees).toFixed(), used: '0' });
  });

  it('refuses an entry whose liquidation would come before its stop-loss, and says why', async () => {
    const ordersBefore = orderBodies().length;
    const started = await bot.start({ leverage: '50', allowShort: true, stopLossPct: 5 });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    expect(requests('/positions/BTC_USDT/leverage').at(-1)?.params).toMatchObject({ leverage: '50' });
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { quote: '3000' } }]);
    const events = await bot.events();
    const refused = events.find((e) => e.type === 'risk.rejected');
    expect(String(refused?.payload['reason'])).toMatch(/^Liquidation inside the stop: at 50× a short from 30,?000/);
    expect(orderBodies()).toHaveLength(ordersBefore);
  });

  it('stops the start when the account will not take the settings (POSITION_HOLDING: cross asked while an isolated position is open)', async () => {
    const first = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(first.state).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { quote: '3000' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.side === 'short'), 5_000)).toBe(true);
    await bot.service.stop(connectionId, { cancelOpenOrders: false });
    await expect(bot.start({ leverage: '5', marginMode: 'cross', allowShort: true })).rejects.toThrow(
      /BTC\/USDT:USDT on the account is isolated at 5×, not the cross at 5× this bot asks for \(the exchange refused: cross at leverage 5: .*POSITION_HOLDING/,
    );
    expect(requests('/positions/BTC_USDT/leverage').at(-1)?.params).toMatchObject({ leverage: '0', cross_leverage_limit: '5' });
  });

  it('an emergency stop flattens a perpetual long from the position (0.2 BTC = size -2000, reduce-only), and the exchange holds nothing after', async () => {
    const started = await bot.start({ leverage: '3', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'long', size: { base: '0.2' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.symbol === PERP && p.side === 'long'), 5_000)).toBe(true);
    const stopped = await bot.service.emergencyStop(connectionId, { flatten: true });
    expect(await until(async () => (await bot.service.status(connectionId)).flatten.state === 'flat', 10_000), JSON.stringify((await bot.service.status(connectionId)).flatten)).toBe(true);
    expect(stopped.state).not.toBe('running');
    expect(orderBodies().at(-1)).toMatchObject({ contract: 'BTC_USDT', size: -2000, reduce_only: true });
    expect(lab.sim.control.derivatives('gate').position(account.apiKey, 'BTC/USDT').size).toBe('0');
  });

  it('a liquidation on the exchange is taken into the books from /liquidates and its order\'s trade: the loss is realized and the bot is flat', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { base: '0.1' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.symbol === PERP && p.side === 'short'), 5_000)).toBe(true);
    const [entry] = await account.db.orders.listFills(connectionId);
    // 25 % against a 5× isolated short: the exchange closes it at the next step, at the bankruptcy price.
    paths.get('BTC/USDT')?.trade('37500');
    await bot.nextCandle([]);
    expect(lab.sim.control.derivatives('gate').position(account.apiKey, 'BTC/USDT').size).toBe('0');
    const liquidated = async () => (await bot.events()).find((e) => e.type === 'position.liquidated');
    expect(await until(async () => (await liquidated()) !== undefined, 5_000)).toBe(true);
    expect((await liquidated())?.payload).toMatchObject({ symbol: PERP, before: '-0.1', after: '0' });
    expect(requests('/liquidates').length).toBeGreaterThan(0);
    const liquidation = lab.sim.control.derivatives('gate').orders(account.apiKey, { symbol: 'BTC/USDT' }).find((o) => o.createdBy === 'liquidation');
    const fills = await account.db.orders.listFills(connectionId);
    expect(fills).toHaveLength(2);
    expect(fills[1]).toMatchObject({ side: 'buy', amount: '0.1', clientOrderId: null, orderId: String(liquidation?.orderId), fee: '0' });
    const events = await bot.events();
    expect(events.some((e) => e.type === 'position.mismatch')).toBe(false);
    const status = await bot.service.status(connectionId);
    expect(status.positions.find((p) => p.symbol === PERP)).toMatchObject({ side: 'flat', quantity: '0' });
    expect(status.pnl.realizedPnl).toBe(new Dec(entry?.price ?? '0').sub(fills[1]?.price ?? '0').mul('0.1').toFixed());
    // At the bankruptcy price the books lose the position's whole margin, as the futures account did.
    const margin = new Dec(entry?.price ?? '0').mul('0.1').div(5);
    expect(new Dec(status.pnl.realizedPnl).add(margin).abs().lte('0.01')).toBe(true);
    // The futures account: less the margin and the entry fee, plus any funding the short received on the way.
    const funding = lab.sim.control.derivatives('gate').fundingPayments(account.apiKey).reduce((sum, p) => sum.sub(p.payment), new Dec(0));
    expect(new Dec(futuresWallet()?.free ?? '0').add(futuresWallet()?.used ?? '0').toFixed()).toBe(new Dec(10000).sub(margin).sub(entry?.fee ?? '0').add(funding).toFixed());
  });

  it('books the 8-hourly funding, positive when received, from the account book', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { base: '0.1' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.symbol === PERP && p.side === 'short'), 5_000)).toBe(true);
    const booked = async () => (await bot.events()).filter((e) => e.type === 'funding.booked');
    for (let i = 0; i < 10 && (await booked()).length === 0; i += 1) await bot.nextCandle([]);
    expect(await until(async () => (await booked()).length === 1, 5_000)).toBe(true);
    // The simulator's constant 0.0001 on a 0.1 BTC short at 30,000: received.
    expect((await booked())[0]?.payload).toMatchObject({ symbol: PERP, amount: '0.3', rate: null, funding: '0.3' });
    const asks = requests('/account_book').filter((r) => r.params['type'] === 'fund' && r.params['contract'] === 'BTC_USDT');
    expect(asks.length).toBeGreaterThan(0);
    // The window's upper bound as Gate's own `to` (seconds), not ccxt's unified `until`.
    expect(asks.every((r) => /^\d+$/.test(r.params['to'] ?? '') && r.params['until'] === undefined)).toBe(true);
    const status = await bot.service.status(connectionId);
    expect(status.pnl.funding).toBe('0.3');
    expect(status.positions.find((p) => p.symbol === PERP)).toMatchObject({ funding: '0.3' });
  });
});
