import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/money.js';
import { ccxtConfig } from '../../../src/exchanges/ccxt/ccxt-options.js';
import { getProfile } from '../../../src/exchanges/profiles/index.js';
import { until, useSimulatorAccount } from './live-support.js';
import { PERP, usePerpBot, usePerpLab } from './perp-support.js';

/**
 * A live bot on Bybit's USDT linear perpetual (BTC/USDT:USDT), through unmodified ccxt and the
 * simulator's derivatives venue: the start sets 5× isolated on the account and reads it back; a short
 * entry is a plain sell, its exit a reduce-only buy; an entry whose liquidation would come before its
 * stop is refused; settings the account will not take stop the start.
 */

const perp = usePerpLab();
const { lab, paths } = perp;

describe('derivatives on a live engine (Bybit USDT linear perpetual, simulator)', () => {
  // Some spot BTC on the same unified account: it is no part of a perpetual position.
  const account = useSimulatorAccount(lab, { exchange: 'bybit', balances: { USDT: '10000', BTC: '0.05' } });
  const connectionId = 'perp-bybit';
  const bot = usePerpBot(perp, { exchange: 'bybit', connectionId, marketTypes: ['spot', 'futures'], account });

  const requests = (path: string) => lab.sim.control.requests({ exchange: 'bybit' }).filter((r) => r.path === path);

  it('sets 5× isolated before the first order and reads it back; shorts with a sell and exits with a reduce-only buy', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true, stopLossPct: 5 });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    expect(requests('/v5/account/set-margin-mode').map((r) => r.params['setMarginMode'])).toEqual(['ISOLATED_MARGIN']);
    expect(requests('/v5/position/set-leverage').map((r) => [r.params['category'], r.params['symbol'], r.params['buyLeverage'], r.params['sellLeverage']])).toEqual([['linear', 'BTCUSDT', '5', '5']]);
    // Set before anything is traded: no order went out before the settings were read back.
    expect(requests('/v5/order/create')).toHaveLength(0);
    expect(requests('/v5/position/list').length).toBeGreaterThan(0); // read back

    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { quote: '3000' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.symbol === PERP && p.side === 'short'), 5_000)).toBe(true);
    const short = (await bot.service.status(connectionId)).positions.find((p) => p.symbol === PERP);
    const [entry] = await account.db.orders.listFills(connectionId);
    expect(entry).toMatchObject({ side: 'sell', amount: '0.1', feeAsset: 'USDT' });
    expect(short).toMatchObject({ side: 'short', quantity: '-0.1', averageEntryPrice: entry?.price, leverage: '5' });
    // Isolated 5× short: entry × 1.2 / 1.01, at the market's tick, rounded towards the entry (never shown safer).
    const exact = new Dec(entry?.price ?? '0').mul('1.2').div('1.01');
    const shown = new Dec(short?.liquidationPrice ?? '0');
    expect(shown.lte(exact) && exact.sub(shown).lt('0.5')).toBe(true);
    const sell = requests('/v5/order/create').at(-1);
    expect(sell?.params).toMatchObject({ category: 'linear', symbol: 'BTCUSDT', side: 'Sell', orderType: 'Market', qty: '0.1' });
    expect(String(sell?.params['reduceOnly'])).not.toBe('true');

    paths.get('BTC/USDT')?.trade('29000');
    await bot.nextCandle([{ kind: 'exit' }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.every((p) => p.symbol !== PERP || p.side === 'flat'), 5_000)).toBe(true);
    const buy = requests('/v5/order/create').at(-1);
    expect(buy?.params).toMatchObject({ category: 'linear', side: 'Buy', qty: '0.1', reduceOnly: 'true' });
    const status = await bot.service.status(connectionId);
    // 0.1 × (sold − bought back), about 0.1 × 1,000; the taker fees in USDT apart.
    const [sold, bought] = await account.db.orders.listFills(connectionId);
    expect(bought).toMatchObject({ side: 'buy', amount: '0.1' });
    expect(status.pnl.realizedPnl).toBe(new Dec(sold?.price ?? '0').sub(bought?.price ?? '0').mul('0.1').toFixed());
    expect(new Dec(status.pnl.realizedPnl).gt(99)).toBe(true);
    expect(status.pnl.fees).toBe(new Dec(sold?.fee ?? '0').add(bought?.fee ?? '0').toFixed());
  });

  it('refuses an entry whose liquidation would come before its stop-loss, and says why', async () => {
    const ordersBefore = requests('/v5/order/create').length;
    const started = await bot.start({ leverage: '50', allowShort: true, stopLossPct: 5 });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { quote: '3000' } }]);
    const events = await bot.service.events(0, { limit: 1000, engineId: connectionId });
    const refused = events.find((e) => e.type === 'risk.rejected');
    expect(String(refused?.payload['reason'])).toMatch(/^Liquidation inside the stop: at 50× a short from 30,?000/);
    expect(requests('/v5/order/create')).toHaveLength(ordersBefore);
  });

  it('stops the start when the account will not take the settings, naming what it holds', async () => {
    // Cross margin is set account-wide on a unified account: with a position open it cannot change.
    const first = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(first.state).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { quote: '3000' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.side === 'short'), 5_000)).toBe(true);
    await bot.service.stop(connectionId, { cancelOpenOrders: false });
    await expect(bot.start({ leverage: '5', marginMode: 'cross', allowShort: true })).rejects.toThrow(/BTC\/USDT:USDT on the account is isolated at 5×, not the cross at 5× this bot asks for \(the exchange refused: margin mode cross: /);
  });

  it('an emergency stop flattens a perpetual long (it holds no coin: the flatten is sized from the position, not a balance)', async () => {
    const started = await bot.start({ leverage: '3', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'long', size: { base: '0.2' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.symbol === PERP && p.side === 'long'), 5_000)).toBe(true);
    const stopped = await bot.service.emergencyStop(connectionId, { flatten: true });
    expect(await until(async () => (await bot.service.status(connectionId)).flatten.state === 'flat', 10_000), JSON.stringify((await bot.service.status(connectionId)).flatten)).toBe(true);
    expect(stopped.state).not.toBe('running');
    const close = requests('/v5/order/create').at(-1);
    expect(close?.params).toMatchObject({ category: 'linear', side: 'Sell', qty: '0.2', reduceOnly: 'true' });
    // The exchange holds nothing either.
    const rest = new lab.ccxt.classes.bybit(ccxtConfig({ id: 'check', exchange: 'bybit', mode: 'live', credentials: account.credentials, marketTypes: ['spot', 'futures'], proxyUrl: lab.sim.url, timeoutMs: 5_000 }, getProfile('bybit')));
    const positions = await rest.fetchPositions([PERP]);
    expect(positions.every((p) => Number(p.contracts ?? 0) === 0)).toBe(true);
  });

  it('a liquidation on the exchange is taken into the books from its BustTrade fills: the loss is realized, the bot is flat and trades on', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { base: '0.1' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.symbol === PERP && p.side === 'short'), 5_000)).toBe(true);
    const [entry] = await account.db.orders.listFills(connectionId);
    // The price runs 25 % against the 5× isolated short: the exchange liquidates it at the next step.
    paths.get('BTC/USDT')?.trade('37500');
    await bot.nextCandle([]);
    const liquidated = async () => (await bot.service.events(0, { limit: 1000, engineId: connectionId })).find((e) => e.type === 'position.liquidated');
    expect(await until(async () => (await liquidated()) !== undefined, 5_000)).toBe(true);
    const event = await liquidated();
    expect(event?.payload).toMatchObject({ symbol: PERP, before: '-0.1', after: '0' });
    // Asked for as Bybit lists them: the trade history's BustTrade rows of the pair.
    expect(requests('/v5/execution/list').some((r) => r.params['execType'] === 'BustTrade' && r.params['symbol'] === 'BTCUSDT')).toBe(true);
    const fills = await account.db.orders.listFills(connectionId);
    expect(fills).toHaveLength(2);
    const bust = fills[1];
    expect(bust).toMatchObject({ side: 'buy', amount: '0.1', clientOrderId: null });
    const events = await bot.service.events(0, { limit: 1000, engineId: connectionId });
    expect(events.find((e) => e.type === 'fill' && e.payload['tradeId'] === bust?.tradeId)?.payload).toMatchObject({ forced: 'liquidation' });
    // Never a difference held: the books agree with the exchange, and the loss is the position's.
    expect(events.some((e) => e.type === 'position.mismatch')).toBe(false);
    const status = await bot.service.status(connectionId);
    expect(status.positions.find((p) => p.symbol === PERP)).toMatchObject({ side: 'flat', quantity: '0' });
    const loss = new Dec(entry?.price ?? '0').sub(bust?.price ?? '0').mul('0.1');
    expect(status.pnl.realizedPnl).toBe(loss.toFixed());
    expect(loss.lt(-500)).toBe(true); // about the 600 USDT of margin a 5× 0.1 BTC short put up
    // Flat again, the bot trades on: its next entry goes out.
    const ordersBefore = requests('/v5/order/create').length;
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { base: '0.01' } }]);
    expect(await until(async () => requests('/v5/order/create').length === ordersBefore + 1, 5_000)).toBe(true);
  });

  it('a position changed on the exchange by hand is reported and never fought: no order goes out on that pair until the books agree', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { base: '0.1' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.symbol === PERP && p.side === 'short'), 5_000)).toBe(true);
    // The trader buys back half on the exchange, outside CTS: no liquidation trade explains it.
    const rest = new lab.ccxt.classes.bybit(ccxtConfig({ id: 'by-hand', exchange: 'bybit', mode: 'live', credentials: account.credentials, marketTypes: ['spot', 'futures'], proxyUrl: lab.sim.url, timeoutMs: 5_000 }, getProfile('bybit')));
    await rest.loadMarkets();
    await rest.createOrder(PERP, 'market', 'buy', 0.05, undefined, { reduceOnly: true });
    const ordersBefore = requests('/v5/order/create').length;
    // The exit comes a candle after the bot has seen it: queued with that candle, a catch-up tick of
    // the one before (still in flight) could take it before the bot's reconcile ran.
    await bot.nextCandle([]);
    expect(await until(async () => (await bot.service.events(0, { limit: 1000, engineId: connectionId })).some((e) => e.type === 'position.mismatch'), 5_000)).toBe(true);
    await bot.nextCandle([{ kind: 'exit' }]);
    expect(await until(async () => (await bot.service.events(0, { limit: 1000, engineId: connectionId })).some((e) => e.type === 'risk.rejected'), 5_000)).toBe(true);
    const events = await bot.service.events(0, { limit: 1000, engineId: connectionId });
    expect(events.find((e) => e.type === 'position.mismatch')?.payload).toMatchObject({ symbol: PERP, ours: '-0.1', exchange: '-0.05' });
    expect(events.some((e) => e.type === 'position.liquidated')).toBe(false);
    // The bot's exit (sized from its books) is held back, not sent to fight the exchange.
    const refused = events.filter((e) => e.type === 'risk.rejected').map((e) => String(e.payload['reason']));
    expect(refused.some((r) => r.startsWith("The exchange reports a position of -0.05 BTC, the bot's books -0.1: no orders on BTC/USDT:USDT until they agree"))).toBe(true);
    expect(requests('/v5/order/create')).toHaveLength(ordersBefore);
    expect((await bot.service.status(connectionId)).positionGaps).toEqual([{ symbol: PERP, ours: '-0.1', exchange: '-0.05' }]);
  });

  it('books every funding payment as its own entry, apart from trading PnL and fees, once, across a restart', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { base: '0.1' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.symbol === PERP && p.side === 'short'), 5_000)).toBe(true);
    const booked = async () => (await bot.service.events(0, { limit: 1000, engineId: connectionId })).filter((e) => e.type === 'funding.booked');
    // Hour by hour to the 08:00 settlement: the simulator's constant 0.0001 on a 0.1 BTC short at 30,000.
    for (let i = 0; i < 10 && (await booked()).length === 0; i += 1) await bot.nextCandle([]);
    expect(await until(async () => (await booked()).length === 1, 5_000)).toBe(true);
    const [event] = await booked();
    expect(event?.payload).toMatchObject({ symbol: PERP, amount: '0.3', rate: '0.0001', funding: '0.3' });
    expect(new Date(String(event?.payload['time'])).getUTCHours() % 8).toBe(0);
    // Asked for as Bybit lists it: the trade history's Funding rows of the pair.
    const asked = requests('/v5/execution/list').filter((r) => r.params['execType'] === 'Funding');
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((r) => r.params['category'] === 'linear' && r.params['symbol'] === 'BTCUSDT')).toBe(true);
    const status = await bot.service.status(connectionId);
    const position = status.positions.find((p) => p.symbol === PERP);
    expect(position).toMatchObject({ funding: '0.3', realizedPnl: '0' });
    expect(status.pnl.funding).toBe('0.3');
    expect(new Dec(status.pnl.netPnl).eq(new Dec(status.pnl.realizedPnl).add(status.pnl.unrealizedPnl).sub(status.pnl.fees).add('0.3'))).toBe(true);
    expect(await account.db.orders.listFunding(connectionId)).toEqual([expect.objectContaining({ symbol: PERP, amount: '0.3', rate: '0.0001', engineId: connectionId })]);

    // Stopped and started again: the stored payment is booked from storage, and the exchange's copy of it is not booked twice.
    await bot.service.stop(connectionId, { cancelOpenOrders: false });
    expect((await bot.service.status(connectionId)).pnl.funding).toBe('0.3');
    const again = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(again.state, JSON.stringify(again.lastError)).toBe('running');
    await bot.nextCandle([]);
    await bot.nextCandle([]);
    expect((await bot.service.status(connectionId)).pnl.funding).toBe('0.3');
    expect(await booked()).toHaveLength(1);
    expect(await account.db.orders.listFunding(connectionId)).toHaveLength(1);
  });

  it('trades a perpetual with one bot per account: a second bot on it is refused before it touches the settings', async () => {
    const budget = { quote: '3000' };
    const first = await bot.service.start({ connectionId, engineId: connectionId, budget, strategy: 'scripted-perp', params: {}, symbol: PERP, timeframe: '1h', risk: { leverage: '5', allowShort: true } });
    expect(first.state, JSON.stringify(first.lastError)).toBe('running');
    const leverageSets = requests('/v5/position/set-leverage').length;
    const second = (risk: Record<string, unknown>) => bot.service.start({ connectionId, engineId: 'perp-bybit-second', budget, strategy: 'scripted-perp', params: {}, symbol: PERP, timeframe: '1h', risk });
    await expect(second({ leverage: '10', allowShort: true })).rejects.toThrow(/^Bot perp-bybit trades BTC\/USDT:USDT on this connection; the account has one position and one leverage per perpetual/);
    expect(requests('/v5/position/set-leverage')).toHaveLength(leverageSets); // the first bot's 5× stands

    // Stopped with a short still open, its books still hold the exchange's position.
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { quote: '3000' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.side === 'short'), 5_000)).toBe(true);
    await bot.service.stop(connectionId, { cancelOpenOrders: false });
    await expect(second({ leverage: '5', allowShort: true })).rejects.toThrow(/^Bot perp-bybit still holds a position on BTC\/USDT:USDT on this connection/);
  });

  it("checks a second perpetual bot's budget against the wallet alone: an open short's notional is not money the account holds again", async () => {
    const first = await bot.start({ leverage: '5', allowShort: true }, { quote: '6000' });
    expect(first.state, JSON.stringify(first.lastError)).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { quote: '3000' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.side === 'short'), 5_000)).toBe(true);
    // 6000 + 6000 of a 10,000 USDT wallet: counting the short's 3000 cost on top (as a spot buy's) would allow it.
    const eth = { connectionId, engineId: 'perp-bybit-eth', budget: { quote: '6000' }, strategy: 'scripted-perp', params: {}, symbol: 'ETH/USDT:USDT', timeframe: '1h', risk: { leverage: '5', allowShort: true } };
    await expect(bot.service.start(eth)).rejects.toThrow(/^The budgets would exceed the account: this bot's 6,?000 USDT and the running bots' 6,?000 USDT come to 12,?000 USDT, but the account holds 9,?99\d/);
    const fits = await bot.service.start({ ...eth, budget: { quote: '3900' } });
    expect(fits.state, JSON.stringify(fits.lastError)).toBe('running');
    await bot.service.stop('perp-bybit-eth');
  });

  it('refuses leverage on a spot pair', async () => {
    await expect(bot.service.start({ connectionId, engineId: connectionId, strategy: 'scripted-perp', params: {}, symbol: 'BTC/USDT', timeframe: '1h', risk: { leverage: '3' } })).rejects.toThrow(/Leverage applies to derivatives only/);
  });
});
