import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { EXCHANGE_IDS, type MarketType } from '../../../src/domain/exchange-ids.js';
import type { CcxtProStreams } from '../../../src/exchanges/profiles/capabilities.js';
import { EXCHANGE_PROFILES } from '../../../src/exchanges/profiles/index.js';

/** Stop-order, order-option and websocket data of every profile, checked against ccxt itself so it cannot rot. */

type Has = Record<string, boolean | string | undefined>;
type Constructor = new () => { has: Has; features: Record<string, unknown> };

const STREAMS: ReadonlyArray<keyof CcxtProStreams> = ['watchOHLCV', 'watchTicker', 'watchTrades', 'watchOrders', 'watchMyTrades', 'watchBalance'];

interface FeatureSet {
  createOrder?: { triggerPrice?: boolean; stopLossPrice?: boolean; timeInForce?: Record<string, boolean> };
  fetchOpenOrders?: { trigger?: boolean };
}

/**
 * Where ccxt's `features` table lags its code: binance.js fetchOpenOrders / cancelOrder read
 * params.trigger for USDⓈ-M conditional (algo) orders, though `features` says trigger: false.
 */
const TRIGGER_LISTING_NOT_IN_FEATURES = new Set(['binance:futures']);

/** ccxt's `features` entry for one of our market types (margin trades the spot markets). */
function features(ccxtId: string, id: string, type: MarketType): FeatureSet {
  const all = new (ccxt as unknown as Record<string, Constructor>)[ccxtId]!().features as Record<string, Record<string, FeatureSet> | undefined>;
  if (type === 'spot' || type === 'margin') return all['spot'] as FeatureSet;
  const sub = type === 'futures' && id === 'okx' ? 'future' : 'swap';
  const entry = all[sub]?.['linear'];
  if (!entry) throw new Error(`ccxt ${ccxtId} has no ${sub}.linear features`);
  return entry;
}

describe('exchange profiles: stop orders, order options, websockets', () => {
  it.each(EXCHANGE_IDS)('%s: every traded market type has stop-order and order-option data, each with a doc URL', (id) => {
    const p = EXCHANGE_PROFILES[id];
    for (const source of [p.stopOrders.source, p.orderOptions.source, p.websocket.source]) expect(source).toMatch(/^https:\/\//);
    expect(Object.keys(p.stopOrders.byMarket).sort()).toEqual([...p.marketTypes].sort());
    expect(Object.keys(p.orderOptions.byMarket).sort()).toEqual([...p.marketTypes].sort());
    for (const [type, entry] of Object.entries(p.stopOrders.byMarket)) {
      if (entry.support === null) expect(entry.reason.length).toBeGreaterThan(0);
      else expect(entry.support.kinds.length, `${id} ${type}`).toBeGreaterThan(0);
    }
    for (const [type, options] of Object.entries(p.orderOptions.byMarket)) {
      if (type === 'spot') expect(options.reduceOnly).toBe(false);
    }
  });

  it.each(EXCHANGE_IDS)('%s: the recorded ccxt pro streams are ccxt 4.5.84 pro `has`', (id) => {
    const p = EXCHANGE_PROFILES[id];
    const has = new (ccxt.pro as unknown as Record<string, Constructor>)[p.ccxtId]!().has;
    for (const stream of STREAMS) expect([stream, p.websocket.ccxtPro[stream]]).toEqual([stream, has[stream] === true]);
  });

  it.each(EXCHANGE_IDS)('%s: stop params, trigger listings and time-in-force options are ones ccxt declares', (id) => {
    const p = EXCHANGE_PROFILES[id];
    for (const type of p.marketTypes) {
      const f = features(p.ccxtId, id, type);
      const stop = p.stopOrders.byMarket[type];
      if (stop?.support) {
        for (const param of stop.support.params) {
          // ccxt reads stopPrice as an alias of triggerPrice everywhere.
          const declared = param === 'stopLossPrice' ? f.createOrder?.stopLossPrice : f.createOrder?.triggerPrice;
          expect([type, param, declared]).toEqual([type, param, true]);
        }
        const listing = stop.support.listing;
        if (listing !== 'normal' && listing.params['trigger'] === true && !TRIGGER_LISTING_NOT_IN_FEATURES.has(`${id}:${type}`)) {
          expect([type, f.fetchOpenOrders?.trigger]).toEqual([type, true]);
        }
      }
      const options = p.orderOptions.byMarket[type];
      const tif = f.createOrder?.timeInForce ?? {};
      if (options?.ioc) expect([type, 'IOC', tif['IOC']]).toEqual([type, 'IOC', true]);
      if (options?.fok) expect([type, 'FOK', tif['FOK']]).toEqual([type, 'FOK', true]);
      if (options?.postOnly) expect([type, 'PO', tif['PO']]).toEqual([type, 'PO', true]);
    }
  });

  it('a 24 h connection lifetime is recorded where the exchange documents one (Binance)', () => {
    expect(EXCHANGE_PROFILES.binance.websocket.connectionLifetimeMs).toBe(86_400_000);
    expect(EXCHANGE_PROFILES.coinbase.stopOrders.byMarket.spot?.support?.kinds).toEqual(['stop-limit']);
  });
});
