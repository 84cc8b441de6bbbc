import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/money.js';
import { ccxtConfig } from '../../../src/exchanges/ccxt/ccxt-options.js';
import { getProfile } from '../../../src/exchanges/profiles/index.js';
import { until, useSimulatorAccount } from './live-support.js';
import { PERP, usePerpBot, usePerpLab } from './perp-support.js';

/**
 * A live bot on Binance's USDⓈ-M perpetual (BTC/USDT:USDT on fapi.binance.com), through unmodified
 * ccxt and the simulator's derivatives venue: the start sets 5× isolated on the symbol and reads it
 * back (symbolConfig); a short entry is a plain sell, its exit a reduce-only buy; the margin comes
 * from the futures wallet (the spot wallet holds too little); an entry whose liquidation would come
 * before its stop is refused; settings the account will not take stop the start; a liquidation on
 * the exchange is seen as a position mismatch (ccxt's fetchPosition reads options only on Binance:
 * the adapter reads GET /fapi/v3/positionRisk through fetchPositions).
 */

const perp = usePerpLab();
const { lab, paths } = perp;

describe('derivatives on a live engine (Binance USDⓈ-M perpetual, simulator)', () => {
  // 500 USDT on spot, less than any entry here needs as margin: the futures wallet (10000 USDT) funds them.
  const account = useSimulatorAccount(lab, { exchange: 'binance', balances: { USDT: '500', BTC: '0.05' } });
  const connectionId = 'perp-binance';
  const bot = usePerpBot(perp, { exchange: 'binance', connectionId, marketTypes: ['spot', 'futures'], account, beforeService: () => lab.sim.control.setFuturesBalances('binance', account.apiKey, { USDT: '10000' }) });

  const requests = (path: string) => lab.sim.control.requests({ exchange: 'binance' }).filter((r) => r.host === 'fapi.binance.com' && r.path === path);
  const futuresWallet = () => lab.sim.control.account('binance', account.apiKey)?.futures?.balances['USDT'];

  it('sets 5× isolated before the first order and reads it back; shorts with a sell and exits with a reduce-only buy, margin and fees from the futures wallet', async () => {
    // A budget of 2000 USDT is checked against the futures wallet's 10000 (the spot wallet's 500 would refuse it).
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true, stopLossPct: 5 }, { quote: '2000' });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    expect(requests('/fapi/v1/marginType').map((r) => [r.params['symbol'], r.params['marginType']])).toEqual([['BTCUSDT', 'ISOLATED']]);
    expect(requests('/fapi/v1/leverage').map((r) => [r.params['symbol'], r.params['leverage']])).toEqual([['BTCUSDT', '5']]);
    // Set before anything is traded, and read back from the symbol's configuration.
    expect(requests('/fapi/v1/order')).toHaveLength(0);
    expect(requests('/fapi/v1/symbolConfig').length).toBeGreaterThan(0);

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
    const sell = requests('/fapi/v1/order').at(-1);
    expect(sell?.params).toMatchObject({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.1' });
    expect(sell?.params['reduceOnly']).toBeUndefined();
    // The margin (0.1 × entry / 5) is held in the futures wallet; the spot wallet did not move.
    expect(futuresWallet()?.used).toBe(new Dec(entry?.price ?? '0').mul('0.1').div(5).toFixed());
    expect(lab.sim.control.account('binance', account.apiKey)?.balances['USDT']).toEqual({ free: '500', used: '0' });

    paths.get('BTC/USDT')?.trade('29000');
    await bot.nextCandle([{ kind: 'exit' }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.every((p) => p.symbol !== PERP || p.side === 'flat'), 5_000)).toBe(true);
    const buy = requests('/fapi/v1/order').at(-1);
    expect(buy?.params).toMatchObject({ symbol: 'BTCUSDT', side: 'BUY', quantity: '0.1', reduceOnly: 'true' });
    const status = await bot.service.status(connectionId);
    // 0.1 × (sold − bought back), about 0.1 × 1,000; the taker fees (0.05 %) in USDT apart.
    const [sold, bought] = await account.db.orders.listFills(connectionId);
    expect(bought).toMatchObject({ side: 'buy', amount: '0.1', feeAsset: 'USDT' });
    expect(new Dec(sold?.fee ?? '0').toFixed()).toBe(new Dec(sold?.price ?? '0').mul('0.1').mul('0.0005').toFixed());
    expect(status.pnl.realizedPnl).toBe(new Dec(sold?.price ?? '0').sub(bought?.price ?? '0').mul('0.1').toFixed());
    expect(new Dec(status.pnl.realizedPnl).gt(99)).toBe(true);
    expect(status.pnl.fees).toBe(new Dec(sold?.fee ?? '0').add(bought?.fee ?? '0').toFixed());
    // The futures wallet is 10000 + PnL − fees, nothing held any more.
    expect(futuresWallet()).toEqual({ free: new Dec(10000).add(status.pnl.realizedPnl).sub(status.pnl.fees).toFixed(), used: '0' });
  });

  it('refuses an entry whose liquidation would come before its stop-loss, and says why', async () => {
    const ordersBefore = requests('/fapi/v1/order').length;
    const started = await bot.start({ leverage: '50', allowShort: true, stopLossPct: 5 });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    expect(requests('/fapi/v1/leverage').at(-1)?.params).toMatchObject({ leverage: '50' });
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { quote: '3000' } }]);
    const events = await bot.service.events(0, { limit: 1000, engineId: connectionId });
    const refused = events.find((e) => e.type === 'risk.rejected');
    expect(String(refused?.payload['reason'])).toMatch(/^Liquidation inside the stop: at 50× a short from 30,?000/);
    expect(requests('/fapi/v1/order')).toHaveLength(ordersBefore);
  });

  it('stops the start when the account will not take the settings, naming what it holds (-4048: a position is open)', async () => {
    const first = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(first.state).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { quote: '3000' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.side === 'short'), 5_000)).toBe(true);
    await bot.service.stop(connectionId, { cancelOpenOrders: false });
    await expect(bot.start({ leverage: '5', marginMode: 'cross', allowShort: true })).rejects.toThrow(
      /BTC\/USDT:USDT on the account is isolated at 5×, not the cross at 5× this bot asks for \(the exchange refused: margin mode cross: .*-4048/,
    );
  });

  it('refuses to start on an account in hedge mode, before any setting is sent, and starts once it is one-way again', async () => {
    const rest = new lab.ccxt.classes.binance(ccxtConfig({ id: 'hedge', exchange: 'binance', mode: 'live', credentials: account.credentials, marketTypes: ['spot', 'futures'], proxyUrl: lab.sim.url, timeoutMs: 5_000 }, getProfile('binance')));
    await rest.loadMarkets();
    await rest.setPositionMode(true, PERP);
    const sets = requests('/fapi/v1/leverage').length + requests('/fapi/v1/marginType').length;
    await expect(bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true })).rejects.toThrow(/^The account is in hedge mode \(a long and a short position per pair\); CTS trades one-way positions only, so BTC\/USDT:USDT cannot be traded on it/);
    expect(requests('/fapi/v1/leverage').length + requests('/fapi/v1/marginType').length).toBe(sets);
    await rest.setPositionMode(false, PERP);
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
  });

  it('an emergency stop flattens a perpetual long from the position, and the exchange holds nothing after', async () => {
    const started = await bot.start({ leverage: '3', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'long', size: { base: '0.2' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.symbol === PERP && p.side === 'long'), 5_000)).toBe(true);
    const stopped = await bot.service.emergencyStop(connectionId, { flatten: true });
    expect(await until(async () => (await bot.service.status(connectionId)).flatten.state === 'flat', 10_000), JSON.stringify((await bot.service.status(connectionId)).flatten)).toBe(true);
    expect(stopped.state).not.toBe('running');
    expect(requests('/fapi/v1/order').at(-1)?.params).toMatchObject({ side: 'SELL', quantity: '0.2', reduceOnly: 'true' });
    const rest = new lab.ccxt.classes.binance(ccxtConfig({ id: 'check', exchange: 'binance', mode: 'live', credentials: account.credentials, marketTypes: ['spot', 'futures'], proxyUrl: lab.sim.url, timeoutMs: 5_000 }, getProfile('binance')));
    expect(await rest.fetchPositions([PERP])).toEqual([]);
  });

  it('a liquidation on the exchange is taken into the books from its autoclose order\'s trades: the loss is realized and the bot is flat', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { base: '0.1' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.symbol === PERP && p.side === 'short'), 5_000)).toBe(true);
    const [entry] = await account.db.orders.listFills(connectionId);
    // The price runs 25 % against the 5× isolated short (liquidation near 35,880): the exchange closes it at the next step.
    paths.get('BTC/USDT')?.trade('37500');
    await bot.nextCandle([]);
    expect(lab.sim.control.derivatives('binance').position(account.apiKey, 'BTC/USDT').size).toBe('0');
    const liquidated = async () => (await bot.service.events(0, { limit: 1000, engineId: connectionId })).find((e) => e.type === 'position.liquidated');
    expect(await until(async () => (await liquidated()) !== undefined, 5_000)).toBe(true);
    expect((await liquidated())?.payload).toMatchObject({ symbol: PERP, before: '-0.1', after: '0' });
    // The exchange's own order named by its force-order list, its trade taken from the trade list.
    expect(requests('/fapi/v1/forceOrders').length).toBeGreaterThan(0);
    const liquidation = lab.sim.control.derivatives('binance').orders(account.apiKey, { symbol: 'BTC/USDT' }).find((o) => o.createdBy === 'liquidation');
    const fills = await account.db.orders.listFills(connectionId);
    expect(fills).toHaveLength(2);
    expect(fills[1]).toMatchObject({ side: 'buy', amount: '0.1', clientOrderId: null, orderId: String(liquidation?.orderId) });
    const events = await bot.service.events(0, { limit: 1000, engineId: connectionId });
    expect(events.some((e) => e.type === 'position.mismatch')).toBe(false);
    const status = await bot.service.status(connectionId);
    expect(status.positions.find((p) => p.symbol === PERP)).toMatchObject({ side: 'flat', quantity: '0' });
    expect(status.pnl.realizedPnl).toBe(new Dec(entry?.price ?? '0').sub(fills[1]?.price ?? '0').mul('0.1').toFixed());
    expect(new Dec(status.pnl.realizedPnl).lt(-500)).toBe(true);
    // Its clearance fee (INSURANCE_CLEAR income) is the liquidation fill's fee: with it the books lose
    // the position's whole margin, as the futures wallet did (notional ÷ 5, to the cent of the sim's rounding).
    expect(requests('/fapi/v1/income').some((r) => r.params['incomeType'] === 'INSURANCE_CLEAR')).toBe(true);
    const clearance = new Dec(fills[1]?.fee ?? '0');
    expect(clearance.gt(0)).toBe(true);
    const margin = new Dec(entry?.price ?? '0').mul('0.1').div(5);
    expect(new Dec(status.pnl.realizedPnl).sub(clearance).add(margin).abs().lte('0.01')).toBe(true);
    expect(status.pnl.fees).toBe(new Dec(entry?.fee ?? '0').add(clearance).toFixed());
  });

  it('books the 8-hourly funding, positive when received, from the income history', async () => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { base: '0.1' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.symbol === PERP && p.side === 'short'), 5_000)).toBe(true);
    const booked = async () => (await bot.service.events(0, { limit: 1000, engineId: connectionId })).filter((e) => e.type === 'funding.booked');
    for (let i = 0; i < 10 && (await booked()).length === 0; i += 1) await bot.nextCandle([]);
    expect(await until(async () => (await booked()).length === 1, 5_000)).toBe(true);
    // The simulator's constant 0.0001 on a 0.1 BTC short at 30,000: received.
    expect((await booked())[0]?.payload).toMatchObject({ symbol: PERP, amount: '0.3', rate: null, funding: '0.3' });
    expect(requests('/fapi/v1/income').some((r) => r.params['incomeType'] === 'FUNDING_FEE' && r.params['symbol'] === 'BTCUSDT')).toBe(true);
    const status = await bot.service.status(connectionId);
    expect(status.pnl.funding).toBe('0.3');
    expect(status.positions.find((p) => p.symbol === PERP)).toMatchObject({ funding: '0.3' });
  });
});
