import { describe, expect, it } from 'vitest';
import type { ExchangeId } from '../../../src/domain/exchange-ids.js';
import { ccxtConfig } from '../../../src/exchanges/ccxt/ccxt-options.js';
import { getProfile } from '../../../src/exchanges/profiles/index.js';
import { until, useSimulatorAccount } from './live-support.js';
import { PERP, usePerpBot, usePerpLab } from './perp-support.js';

/**
 * A perpetual's stop-loss resting on the exchange, through unmodified ccxt against the simulator
 * (Bybit linear conditional orders; Binance USDⓈ-M algo orders): a 5× short with stopLossPct rests a
 * reduce-only stop buy from the entry on; the price rises through it while CTS is down and the
 * exchange fills it; the restart books that fill once, to the stop's own order, and the bot is flat.
 * An emergency stop cancels the resting stop.
 */

const perp = usePerpLab();
const { lab, paths } = perp;

interface Venue {
  readonly exchange: ExchangeId;
  /** The wire requests that create a stop, and that cancel one. */
  readonly creates: (r: { method: string; path: string; host: string }) => boolean;
  readonly cancels: (r: { method: string; path: string; host: string }) => boolean;
  readonly balances: Record<string, string>;
  readonly futures?: Record<string, string>;
}

const VENUES: readonly Venue[] = [
  {
    exchange: 'bybit',
    creates: (r) => r.method === 'POST' && r.path === '/v5/order/create',
    cancels: (r) => r.method === 'POST' && r.path === '/v5/order/cancel',
    balances: { USDT: '10000' },
  },
  {
    exchange: 'binance',
    creates: (r) => r.host === 'fapi.binance.com' && r.method === 'POST' && r.path === '/fapi/v1/algoOrder',
    cancels: (r) => r.host === 'fapi.binance.com' && r.method === 'DELETE' && r.path === '/fapi/v1/algoOrder',
    balances: { USDT: '500' },
    futures: { USDT: '10000' },
  },
];

describe.each(VENUES)('a perpetual stop-loss resting on the exchange ($exchange, simulator)', (venue) => {
  const account = useSimulatorAccount(lab, { exchange: venue.exchange, balances: venue.balances });
  const connectionId = `perp-stops-${venue.exchange}`;
  const futures = venue.futures;
  const bot = usePerpBot(perp, {
    exchange: venue.exchange,
    connectionId,
    marketTypes: ['spot', 'futures'],
    account,
    ...(futures ? { beforeService: () => lab.sim.control.setFuturesBalances(venue.exchange, account.apiKey, futures) } : {}),
  });

  /** A plain ccxt client on the account: what the exchange holds, read apart from CTS. */
  const observer = () => new lab.ccxt.classes[venue.exchange](ccxtConfig({ id: 'observer', exchange: venue.exchange, mode: 'live', credentials: account.credentials, marketTypes: ['spot', 'futures'], proxyUrl: lab.sim.url, timeoutMs: 5_000 }, getProfile(venue.exchange)));
  const restingStops = async () => {
    const ex = observer();
    const plain = await ex.fetchOpenOrders(PERP);
    const stops = await ex.fetchOpenOrders(PERP, undefined, undefined, { trigger: true });
    return [...plain, ...stops].filter((o, i, all) => all.findIndex((x) => x.id === o.id) === i && (o.stopLossPrice ?? o.triggerPrice ?? 0) > 0);
  };
  const shortWithStop = async (risk: Record<string, unknown> = { stopLossPct: 5 }) => {
    const started = await bot.start({ leverage: '5', marginMode: 'isolated', allowShort: true, ...risk });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await bot.toFirstClose();
    await bot.nextCandle([{ kind: 'enter', side: 'short', size: { base: '0.1' } }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.some((p) => p.symbol === PERP && p.side === 'short'), 5_000)).toBe(true);
    // At the next price the stop goes on the exchange: a reduce-only buy 5 % above the entry.
    expect(
      await until(async () => {
        await bot.clock.advance(2_000);
        return (await restingStops()).length === 1;
      }, 5_000),
    ).toBe(true);
    const [stop] = await restingStops();
    const [entry] = await account.db.orders.listFills(connectionId);
    // Placed on the perpetual's own stop endpoint, reduce-only.
    const create = lab.sim.control.requests({ exchange: venue.exchange }).filter((r) => venue.creates(r)).at(-1);
    expect(String(create?.params['reduceOnly'])).toBe('true');
    return { stop, entry };
  };

  it('a 5× short rests a reduce-only stop buy; it fills on the exchange while CTS is down, and the restart books it once and is flat', async () => {
    const { stop, entry } = await shortWithStop();
    expect(entry).toMatchObject({ side: 'sell', amount: '0.1' });
    expect(stop).toMatchObject({ side: 'buy', amount: 0.1, reduceOnly: true, status: 'open' });
    const level = Number(stop?.stopLossPrice ?? stop?.triggerPrice);
    expect(level).toBeGreaterThan(Number(entry?.price) * 1.04);
    expect(level).toBeLessThan(Number(entry?.price) * 1.06);
    const stored = await account.db.orders.findOrder(stop?.clientOrderId as string);
    expect(stored).toMatchObject({ status: 'open', side: 'buy', reduceOnly: true, trigger: { kind: 'stop-loss' } });

    // CTS goes down with the stop resting; the price rises through it and the exchange fills it.
    await bot.restart(() => {
      paths.get('BTC/USDT')?.trade(String(Math.ceil(level + 200)));
      lab.sim.control.step();
    });
    const positions = await observer().fetchPositions([PERP]);
    expect(positions.every((p) => Number(p.contracts ?? 0) === 0)).toBe(true);
    expect(await restingStops()).toEqual([]);

    // Back up: the stop's fill is booked to the stop's own order, once, and the bot is flat.
    expect(await until(async () => (await bot.service.trades(connectionId)).some((f) => f.side === 'buy'), 5_000)).toBe(true);
    for (let i = 0; i < 3; i++) await bot.clock.advance(2_000);
    const buys = (await bot.service.trades(connectionId)).filter((f) => f.side === 'buy');
    expect(buys).toHaveLength(1);
    expect(buys[0]).toMatchObject({ clientOrderId: stop?.clientOrderId, amount: '0.1' });
    // The price gapped through the trigger between two candles: the stop filled at the new candle's open, as booked.
    const onExchange = (await observer().fetchMyTrades(PERP)).filter((t) => t.side === 'buy');
    expect(onExchange).toHaveLength(1);
    expect(Number(buys[0]?.price)).toBe(onExchange[0]?.price);
    expect(Number(buys[0]?.price)).toBeGreaterThanOrEqual(level);
    expect(await account.db.orders.findOrder(stop?.clientOrderId as string)).toMatchObject({ status: 'closed', trigger: { kind: 'stop-loss' } });
    const status = await bot.service.status(connectionId);
    expect(status.state).toBe('running');
    expect(status.positions.find((p) => p.symbol === PERP)?.side ?? 'flat').toBe('flat');
  });

  it('the price rises through the resting stop while CTS runs: the exchange fills it, and its trade is booked once, to the stop', async () => {
    const { stop } = await shortWithStop();
    const level = Number(stop?.stopLossPrice ?? stop?.triggerPrice);
    paths.get('BTC/USDT')?.trade(String(Math.ceil(level + 100)));
    lab.sim.control.step();
    expect(
      await until(async () => {
        await bot.clock.advance(2_000);
        return (await bot.service.trades(connectionId)).some((f) => f.side === 'buy');
      }, 5_000),
    ).toBe(true);
    for (let i = 0; i < 3; i++) await bot.clock.advance(2_000);
    const buys = (await bot.service.trades(connectionId)).filter((f) => f.side === 'buy');
    expect(buys).toHaveLength(1);
    expect(buys[0]).toMatchObject({ clientOrderId: stop?.clientOrderId, amount: '0.1' });
    // Only the exchange's stop bought: the engine's own check sent no second exit.
    expect((await observer().fetchMyTrades(PERP)).filter((t) => t.side === 'buy')).toHaveLength(1);
    expect((await observer().fetchPositions([PERP])).every((p) => Number(p.contracts ?? 0) === 0)).toBe(true);
    const status = await bot.service.status(connectionId);
    expect(status.positions.find((p) => p.symbol === PERP)?.side ?? 'flat').toBe('flat');
  });

  it('a trailing stop follows the short down on the exchange: the old stop is cancelled there, the new one rests at the new level', async () => {
    const { stop } = await shortWithStop({ trailingStopPct: 2 });
    const first = Number(stop?.stopLossPrice ?? stop?.triggerPrice);
    const since = lab.sim.control.requests({ exchange: venue.exchange }).length;
    paths.get('BTC/USDT')?.trade('27000');
    lab.sim.control.step();
    expect(
      await until(async () => {
        await bot.clock.advance(2_000);
        const open = await restingStops();
        return open.length === 1 && Number(open[0]?.stopLossPrice ?? open[0]?.triggerPrice) < first;
      }, 5_000),
    ).toBe(true);
    const [moved] = await restingStops();
    // 2 % above the lowest price since the entry: 27000 × 1.02.
    expect(Number(moved?.stopLossPrice ?? moved?.triggerPrice)).toBe(27540);
    expect(moved).toMatchObject({ side: 'buy', amount: 0.1, reduceOnly: true });
    expect(lab.sim.control.requests({ exchange: venue.exchange }).slice(since).filter((r) => venue.cancels(r))).toHaveLength(1);
    expect(await account.db.orders.findOrder(stop?.clientOrderId as string)).toMatchObject({ status: 'canceled' });
    expect(await account.db.orders.findOrder(moved?.clientOrderId as string)).toMatchObject({ status: 'open', trigger: { kind: 'stop-loss', price: '27540' } });
  });

  it('the strategy\'s exit cancels the resting stop on the exchange: nothing is left to close a later position', async () => {
    const { stop } = await shortWithStop();
    await bot.nextCandle([{ kind: 'exit' }]);
    expect(await until(async () => (await bot.service.status(connectionId)).positions.every((p) => p.symbol !== PERP || p.side === 'flat'), 5_000)).toBe(true);
    expect(
      await until(async () => {
        await bot.clock.advance(2_000);
        return (await restingStops()).length === 0;
      }, 5_000),
    ).toBe(true);
    expect(await account.db.orders.findOrder(stop?.clientOrderId as string)).toMatchObject({ status: 'canceled' });
    expect((await observer().fetchPositions([PERP])).every((p) => Number(p.contracts ?? 0) === 0)).toBe(true);
  });

  it('an emergency stop cancels the resting stop on the exchange and flattens the short', async () => {
    const { stop } = await shortWithStop();
    const before = lab.sim.control.requests({ exchange: venue.exchange }).length;
    await bot.service.emergencyStop(connectionId, { flatten: true });
    expect(await until(async () => (await bot.service.status(connectionId)).flatten.state === 'flat', 10_000), JSON.stringify((await bot.service.status(connectionId)).flatten)).toBe(true);
    expect(lab.sim.control.requests({ exchange: venue.exchange }).slice(before).some((r) => venue.cancels(r))).toBe(true);
    expect(await restingStops()).toEqual([]);
    expect(await account.db.orders.findOrder(stop?.clientOrderId as string)).toMatchObject({ status: 'canceled' });
    const positions = await observer().fetchPositions([PERP]);
    expect(positions.every((p) => Number(p.contracts ?? 0) === 0)).toBe(true);
  });
});
