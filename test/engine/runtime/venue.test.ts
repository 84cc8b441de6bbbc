import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { createVenueFactory, replayPerpetualMarket, type VenueRequest } from '../../../src/engine/runtime/venue.js';
import { SimulatedPerpetualExchange } from '../../../src/engine/runtime/simulated-perpetual.js';
import { SimulatedExchange } from '../../../src/exchanges/simulated/simulated-exchange.js';
import { makeTempDir } from '../../support/temp-system.js';
import { connectionView } from './support.js';

const CSV = path.resolve(import.meta.dirname, '../../../data/XRP_USDT_USDT-1h-futures.csv');
const H = 3_600_000;
const PERP = replayPerpetualMarket('XRP/USDT');

function request(mode: 'paper' | 'replay', symbol = PERP.symbol): VenueRequest {
  return { connection: connectionView({ mode, marketTypes: ['spot', 'futures'] }), credentials: undefined, symbol, timeframe: '1h', timeframeMs: H, replaySpeed: 1, position: '0' };
}

/** The "real" exchange a paper venue reads public data from: one perpetual with a few closed candles. */
function publicData(now: number): SimulatedExchange {
  const exchange = new SimulatedExchange({ id: 'public', markets: [PERP], balances: {}, timeframes: ['1h'] });
  for (let h = 5; h >= 1; h--) exchange.ingest({ symbol: PERP.symbol, candle: { time: now - (h + 1) * H, open: '1', high: '1', low: '1', close: '1', volume: '1' } });
  return exchange;
}

describe('venues of perpetuals in paper and replay', () => {
  it('replay plays the bundled file as XRP/USDT:USDT on a margin account with the replayed time as its clock (XRP/USDT stays spot)', async () => {
    const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    const venues = createVenueFactory({ openExchange: () => Promise.reject(new Error('offline')), clock, replayCsvPath: CSV });
    const perp = await venues(request('replay'));
    expect(perp.exchange).toBeInstanceOf(SimulatedPerpetualExchange);
    expect((await perp.exchange.loadMarkets()).map((m) => [m.symbol, m.type])).toEqual([['XRP/USDT:USDT', 'swap']]);
    expect(perp.clock?.now()).toBe(Date.parse('2021-11-17T01:00:00Z'));
    await perp.feed.next();
    expect(perp.clock?.now()).toBe(Date.parse('2021-11-17T02:00:00Z'));
    await perp.close();
    const spot = await venues(request('replay', 'XRP/USDT'));
    expect(spot.exchange).not.toBeInstanceOf(SimulatedPerpetualExchange);
    expect(spot.clock).toBeUndefined();
    await spot.close();
  });

  it('paper refuses a perpetual whose funding-rate file has no rate for the next settlement', async () => {
    const now = Date.parse('2026-03-01T03:00:00Z');
    const clock = new ManualClock(now);
    const venues = createVenueFactory({ openExchange: async () => publicData(now), clock, replayCsvPath: CSV });
    await expect(venues(request('paper'))).rejects.toThrow(/XRP_USDT_USDT-8h-funding_rate.csv, which has no rate for the next settlement \(2026-03-01T08:00:00.000Z/);
    const empty = makeTempDir('cts-perp-none-');
    const none = createVenueFactory({ openExchange: async () => publicData(now), clock, replayCsvPath: CSV, perpetualDir: empty });
    await expect(none(request('paper'))).rejects.toThrow(/has none for it \(XRP_USDT_USDT-8h-funding_rate.csv/);
  });

  it('paper books the file’s rate at each real settlement on the margin account', async () => {
    const now = Date.parse('2026-03-01T03:00:00Z');
    const clock = new ManualClock(now);
    const dir = makeTempDir('cts-perp-paper-');
    writeFileSync(path.join(dir, 'XRP_USDT_USDT-8h-funding_rate.csv'), `timestamp_ms,funding_rate\n${Date.parse('2026-03-01T00:00:00Z')},0.0001\n${Date.parse('2026-03-01T08:00:00Z') + 7},0.0003\n`);
    const venues = createVenueFactory({ openExchange: async () => publicData(now), clock, replayCsvPath: CSV, perpetualDir: dir });
    const venue = await venues(request('paper'));
    const exchange = venue.exchange as SimulatedPerpetualExchange;
    expect(exchange).toBeInstanceOf(SimulatedPerpetualExchange);
    expect(venue.clock).toBeUndefined(); // paper runs on real time
    await exchange.configureDerivatives(PERP.symbol, { leverage: '2', marginMode: 'isolated' });
    await venue.history(5, PERP.symbol);
    await exchange.createOrder({ symbol: PERP.symbol, side: 'sell', type: 'market', amount: '100', clientOrderId: 'short' });
    for (let h = 3; h <= 8; h++) exchange.ingest({ symbol: PERP.symbol, candle: { time: Date.parse('2026-03-01T00:00:00Z') + h * H, open: '1.1', high: '1.1', low: '1.1', close: '1.1', volume: '1' } });
    // The short (filled at 03:00) receives 100 × 1.1 × 0.0003 at 08:00.
    expect(await exchange.fetchFundingPayments({ symbol: PERP.symbol, since: now, until: now + 10 * H })).toMatchObject([{ amount: '0.033', rate: '0.0003', timestamp: Date.parse('2026-03-01T08:00:00Z') }]);
    // The next settlement (16:00) is past the file: held through it, the read says so.
    for (let h = 9; h <= 16; h++) exchange.ingest({ symbol: PERP.symbol, candle: { time: Date.parse('2026-03-01T00:00:00Z') + h * H, open: '1.1', high: '1.1', low: '1.1', close: '1.1', volume: '1' } });
    await expect(exchange.fetchFundingPayments({ symbol: PERP.symbol, since: Date.parse('2026-03-01T09:00:00Z'), until: now + 20 * H })).rejects.toThrow(/No funding rate for the settlement at 2026-03-01T16:00:00.000Z/);
    await venue.close();
  });
});
