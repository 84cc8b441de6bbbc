import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { ValidationError } from '../../../src/domain/errors.js';
import { dec } from '../../../src/domain/money.js';
import type { Market, MarketTicker } from '../../../src/exchanges/exchange.port.js';
import type { Candle } from '../../../src/domain/candles.js';
import { Blacklist } from '../../../src/engine/pairs/blacklist.js';
import { spreadRatio } from '../../../src/engine/pairs/pair-filters.js';
import { parsePairListConfig, type PairListConfig } from '../../../src/domain/pair-list-config.js';
import { PairList, selectPairs, type PairListSource } from '../../../src/engine/pairs/pair-list.js';
import { pairsForRounds } from '../../../src/engine/pairs/round-pairs.js';

const DAY = 86_400_000;

function market(symbol: string, extra: Partial<Market> = {}): Market {
  const [base = '', quote = ''] = symbol.split('/');
  return { symbol, id: symbol.replace('/', ''), base, quote, type: 'spot', active: true, amountStep: '0.001', priceStep: '0.01', minAmount: null, maxAmount: null, minCost: null, ...extra };
}

function ticker(symbol: string, quoteVolume: string | null, extra: Partial<MarketTicker> = {}): MarketTicker {
  return { symbol, timestamp: 1, bid: '99.9', ask: '100', last: '100', high: '105', low: '95', baseVolume: '10', quoteVolume, changePercent: '1', ...extra };
}

/** The port as a pair list sees it, over fixed data; counts the requests it would send. */
class FixedSource implements PairListSource {
  readonly id = 'fixed';
  tickerCalls = 0;
  candleCalls: string[] = [];
  failTickers = false;
  constructor(
    public markets: Market[],
    public tickers: MarketTicker[],
    public daily: Record<string, Candle[]> = {},
  ) {}
  async loadMarkets(): Promise<Market[]> {
    return this.markets;
  }
  async fetchTickers(): Promise<MarketTicker[]> {
    this.tickerCalls++;
    if (this.failTickers) throw new Error('exchange down');
    return this.tickers;
  }
  async fetchCandles(params: { symbol: string }): Promise<Candle[]> {
    this.candleCalls.push(params.symbol);
    return this.daily[params.symbol] ?? [];
  }
}

function list(config: unknown, source: PairListSource, clock = new ManualClock(10 * DAY)): PairList {
  return new PairList({ config: parsePairListConfig(config), source, clock });
}

describe('pair list config', () => {
  it('names every wrong field in one validation error', () => {
    try {
      parsePairListConfig({ kind: 'dynamic', topN: 0, quote: 'usdt', refreshMs: 1_000, minPrice: 'abc', maxSpreadRatio: '2', blacklist: ['BNB'], volatility: {} });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const paths = (error as ValidationError).fields.map((f) => f.path);
      expect(paths).toEqual(expect.arrayContaining(['pairList.topN', 'pairList.quote', 'pairList.refreshMs', 'pairList.minPrice', 'pairList.maxSpreadRatio', 'pairList.blacklist.0', 'pairList.volatility']));
      expect((error as ValidationError).message).toContain('pairList.minPrice minPrice must be a plain decimal string');
    }
  });

  it('refuses unknown keys and an empty static list, and fills the defaults', () => {
    expect(() => parsePairListConfig({ kind: 'static', pairs: [], quote: 'USDT' })).toThrow(/list at least one pair/);
    expect(() => parsePairListConfig({ kind: 'static', pairs: ['BTC/USDT'], quote: 'USDT', topN: 3 })).toThrow(ValidationError);
    const parsed = parsePairListConfig({ kind: 'dynamic', topN: 5, quote: 'USDT', blacklist: ['bnb/*'] });
    expect(parsed).toMatchObject({ refreshMs: 1_800_000, blacklist: ['BNB/*'] });
  });
});

describe('blacklist', () => {
  it('matches exact symbols and wildcards within one side only', () => {
    const b = new Blacklist(['BNB/*', '*/BTC', '*UP/*', 'XRP/USDT']);
    expect(['BNB/USDT', 'ETH/BTC', 'ADAUP/USDT', 'XRP/USDT', 'xrp/usdt'].every((s) => b.has(s))).toBe(true);
    expect(['BTC/USDT', 'XRP/USDC', 'BNBX/USDT', 'UPX/USDT'].some((s) => b.has(s))).toBe(false);
  });

  it('treats regex characters in symbols as text', () => {
    expect(new Blacklist(['A.B/USDT']).has('AXB/USDT')).toBe(false);
  });
});

describe('static pair list', () => {
  it('keeps config order and rejects unlisted, inactive, other-quote and blacklisted pairs', async () => {
    const source = new FixedSource([market('BTC/USDT'), market('ETH/USDT', { active: false }), market('ETH/BTC'), market('BNB/USDT'), market('XRP/USDT')], []);
    const snapshot = await list({ kind: 'static', pairs: ['XRP/USDT', 'BTC/USDT', 'ETH/USDT', 'ETH/BTC', 'BNB/USDT', 'DOGE/USDT'], quote: 'USDT', blacklist: ['BNB/*'] }, source).refresh();
    expect(snapshot.pairs).toEqual(['XRP/USDT', 'BTC/USDT']);
    expect(snapshot.rejected).toEqual([
      { symbol: 'ETH/USDT', reason: 'inactive' },
      { symbol: 'ETH/BTC', reason: 'other quote' },
      { symbol: 'BNB/USDT', reason: 'blacklisted' },
      { symbol: 'DOGE/USDT', reason: 'not listed' },
    ]);
    expect(source.tickerCalls).toBe(0);
  });
});

describe('dynamic pair list', () => {
  const markets = ['AAA/USDT', 'BBB/USDT', 'CCC/USDT', 'DDD/USDT', 'EEE/USDT', 'FFF/BTC'].map((s) => market(s));

  it('ranks by quote volume after the filters, one ticker call per refresh', async () => {
    const source = new FixedSource(markets, [
      ticker('AAA/USDT', '5000'),
      ticker('BBB/USDT', '9000', { last: '0.0001' }),
      ticker('CCC/USDT', '7000', { bid: '90', ask: '100' }),
      ticker('DDD/USDT', '8000'),
      ticker('EEE/USDT', '100'),
      ticker('FFF/BTC', '99999'),
    ]);
    const pairs = list({ kind: 'dynamic', topN: 2, quote: 'USDT', minPrice: '0.01', maxSpreadRatio: '0.01', minQuoteVolume: '1000' }, source);
    const snapshot = await pairs.refresh();
    expect(snapshot.pairs).toEqual(['DDD/USDT', 'AAA/USDT']);
    expect(new Map(snapshot.rejected.map((r) => [r.symbol, r.reason]))).toEqual(
      new Map([
        ['BBB/USDT', 'price below minimum'],
        ['CCC/USDT', 'spread too wide'],
        ['EEE/USDT', 'quote volume below minimum'],
        ['FFF/BTC', 'other quote'],
      ]),
    );
    expect(source.tickerCalls).toBe(1);
  });

  it('refreshes on schedule, keeps the last list when a refresh fails, and retries after a minute', async () => {
    const clock = new ManualClock(10 * DAY);
    const source = new FixedSource(markets, [ticker('AAA/USDT', '5000'), ticker('BBB/USDT', '4000')]);
    const pairs = list({ kind: 'dynamic', topN: 1, quote: 'USDT', refreshMs: 600_000 }, source, clock);
    expect((await pairs.refreshIfDue()).pairs).toEqual(['AAA/USDT']);
    await clock.advance(599_999);
    await pairs.refreshIfDue();
    expect(source.tickerCalls).toBe(1);
    source.tickers = [ticker('AAA/USDT', '5000'), ticker('BBB/USDT', '6000')];
    source.failTickers = true;
    await clock.advance(1);
    await expect(pairs.refreshIfDue()).rejects.toThrow('exchange down');
    expect(pairs.current?.pairs).toEqual(['AAA/USDT']);
    expect(pairs.nextRefreshAt).toBe(clock.now() + 60_000);
    source.failTickers = false;
    await clock.advance(60_000);
    expect((await pairs.refreshIfDue()).pairs).toEqual(['BBB/USDT']);
    expect(source.tickerCalls).toBe(3);
  });

  it('filters on the 24 h range or on closed daily candles, reading candles once per pair per UTC day', async () => {
    const now = 10 * DAY + 3_600_000;
    const day = (i: number, low: string, high: string): Candle => ({ time: i * DAY, open: low, high, low, close: high, volume: '1' });
    const source = new FixedSource(markets.slice(0, 3), [ticker('AAA/USDT', '3000'), ticker('BBB/USDT', '2000', { high: '200', low: '100' }), ticker('CCC/USDT', '1000')], {
      // The forming day (10) is ignored: only closed candles count.
      'AAA/USDT': [day(8, '100', '103'), day(9, '101', '104'), day(10, '50', '500')],
      'BBB/USDT': [day(8, '100', '180'), day(9, '100', '150')],
    });
    const clock = new ManualClock(now);
    const byTicker = list({ kind: 'dynamic', topN: 5, quote: 'USDT', volatility: { max: '0.5' } }, source, clock);
    expect((await byTicker.refresh()).pairs).toEqual(['AAA/USDT', 'CCC/USDT']);
    const byCandles = list({ kind: 'dynamic', topN: 5, quote: 'USDT', refreshMs: 60_000, volatility: { source: 'dailyCandles', lookbackDays: 2, min: '0.01', max: '0.5' } }, source, clock);
    const snapshot = await byCandles.refresh();
    expect(snapshot.pairs).toEqual(['AAA/USDT']);
    expect(snapshot.rejected).toEqual(expect.arrayContaining([{ symbol: 'BBB/USDT', reason: 'volatility out of range' }, { symbol: 'CCC/USDT', reason: 'no daily candles' }]));
    await clock.advance(60_000);
    await byCandles.refreshIfDue();
    expect(source.candleCalls).toEqual(['AAA/USDT', 'BBB/USDT', 'CCC/USDT']);
    await clock.advance(DAY);
    await byCandles.refreshIfDue();
    expect(source.candleCalls).toHaveLength(6);
  });

  it('lists a pair it dropped as managed-only while it is still held', async () => {
    const source = new FixedSource(markets, [ticker('AAA/USDT', '5000'), ticker('BBB/USDT', '4000')]);
    const pairs = list({ kind: 'dynamic', topN: 1, quote: 'USDT', refreshMs: 60_000 }, source);
    await pairs.refresh();
    source.tickers = [ticker('AAA/USDT', '1000'), ticker('BBB/USDT', '4000')];
    await pairs.refresh();
    expect(pairs.selection(['AAA/USDT', 'BBB/USDT'])).toEqual({ tradable: ['BBB/USDT'], managedOnly: ['AAA/USDT'] });
    expect(pairs.selection(['BBB/USDT'])).toEqual({ tradable: ['BBB/USDT'], managedOnly: [] });
  });
});

describe('pairs for the feed\'s rounds', () => {
  it('reads tradable then held managed-only pairs, and keeps the last list through a failed refresh', async () => {
    const clock = new ManualClock(0);
    const source = new FixedSource(['AAA/USDT', 'BBB/USDT', 'CCC/USDT'].map((s) => market(s)), [ticker('AAA/USDT', '3'), ticker('BBB/USDT', '2'), ticker('CCC/USDT', '1')]);
    const pairs = list({ kind: 'dynamic', topN: 1, quote: 'USDT', refreshMs: 60_000 }, source, clock);
    const errors: unknown[] = [];
    let held = ['CCC/USDT'];
    const round = pairsForRounds(pairs, () => held, (e) => errors.push(e));
    expect(await round(clock.now())).toEqual(['AAA/USDT', 'CCC/USDT']);
    source.failTickers = true;
    await clock.advance(60_000);
    held = [];
    expect(await round(clock.now())).toEqual(['AAA/USDT']);
    expect(errors).toHaveLength(1);
    const fresh = pairsForRounds(list({ kind: 'dynamic', topN: 1, quote: 'USDT' }, source, clock), () => []);
    await expect(fresh(clock.now())).rejects.toThrow('exchange down');
  });
});

describe('pair list invariants (property)', () => {
  const assetCode = fc.constantFrom('AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF', 'GGG', 'HHH', 'BNB', 'BTC');
  const quoteCode = fc.constantFrom('USDT', 'USDT', 'USDT', 'BTC');
  const amount = fc.integer({ min: 0, max: 10_000_000 }).map((n) => dec(n).div(100).toFixed());
  const entry = fc.record({
    base: assetCode,
    quote: quoteCode,
    active: fc.boolean(),
    quoteVolume: fc.option(amount, { nil: null }),
    last: fc.integer({ min: 1, max: 1_000_000 }).map((n) => dec(n).div(1000).toFixed()),
    spreadBps: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
    hasTicker: fc.boolean(),
  });
  const config = fc.record({
    topN: fc.integer({ min: 1, max: 8 }),
    minPrice: fc.option(fc.constantFrom('0.01', '1', '100'), { nil: undefined }),
    minQuoteVolume: fc.option(fc.constantFrom('0', '1000', '50000'), { nil: undefined }),
    maxSpreadRatio: fc.option(fc.constantFrom('0.001', '0.01', '0.02'), { nil: undefined }),
    blacklist: fc.subarray(['BNB/*', '*/BTC', 'AAA/USDT', 'C*/*']),
  });

  function world(entries: { base: string; quote: string; active: boolean; quoteVolume: string | null; last: string; spreadBps: number | null; hasTicker: boolean }[]) {
    const unique = new Map(entries.filter((e) => e.base !== e.quote).map((e) => [`${e.base}/${e.quote}`, e] as const));
    const markets = [...unique].map(([symbol, e]) => market(symbol, { active: e.active }));
    const tickers = [...unique]
      .filter(([, e]) => e.hasTicker)
      .map(([symbol, e]) => {
        const ask = dec(e.last);
        const bid = e.spreadBps === null ? null : ask.mul(dec(10_000).sub(e.spreadBps)).div(10_000).toFixed();
        return ticker(symbol, e.quoteVolume, { last: e.last, ask: e.spreadBps === null ? null : ask.toFixed(), bid });
      });
    return { markets, tickers };
  }

  it('keeps at most topN pairs that pass every filter, best quote volume first, and accounts for every market', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 30 }), config, async (entries, c) => {
        const { markets, tickers } = world(entries);
        const cfg: PairListConfig = parsePairListConfig({ kind: 'dynamic', quote: 'USDT', ...c });
        const snapshot = await new PairList({ config: cfg, source: new FixedSource(markets, tickers), clock: new ManualClock(0) }).refresh();
        const bySymbol = new Map(tickers.map((t) => [t.symbol, t]));
        const black = new Blacklist(c.blacklist);
        expect(snapshot.pairs.length).toBeLessThanOrEqual(c.topN);
        for (const symbol of snapshot.pairs) {
          const m = markets.find((x) => x.symbol === symbol);
          const t = bySymbol.get(symbol);
          expect(m?.active && m.quote === 'USDT' && !black.has(symbol)).toBe(true);
          expect(t?.quoteVolume).not.toBeNull();
          if (!t?.quoteVolume) continue;
          if (c.minPrice) expect(dec(t.last).gte(c.minPrice)).toBe(true);
          if (c.minQuoteVolume) expect(dec(t.quoteVolume).gte(c.minQuoteVolume)).toBe(true);
          if (c.maxSpreadRatio) expect(spreadRatio(t)?.lte(c.maxSpreadRatio)).toBe(true);
        }
        const volumes = snapshot.pairs.map((s) => dec(bySymbol.get(s)?.quoteVolume ?? '0'));
        for (let i = 1; i < volumes.length; i++) expect(volumes[i - 1]?.gte(volumes[i] ?? 0)).toBe(true);
        const floor = volumes[volumes.length - 1];
        for (const r of snapshot.rejected.filter((x) => x.reason === 'below top N')) expect(floor && dec(bySymbol.get(r.symbol)?.quoteVolume ?? '0').lte(floor)).toBe(true);
        const seen = [...snapshot.pairs, ...snapshot.rejected.map((r) => r.symbol)].sort();
        expect(seen).toEqual(markets.map((m) => m.symbol).sort());
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same list whatever order the exchange answers in', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 20 }), config, fc.integer(), async (entries, c, seed) => {
        const { markets, tickers } = world(entries);
        const shuffled = [...tickers].sort((a, b) => ((a.symbol.charCodeAt(0) * seed) % 7) - ((b.symbol.charCodeAt(0) * seed) % 7));
        const cfg = parsePairListConfig({ kind: 'dynamic', quote: 'USDT', ...c });
        const a = await new PairList({ config: cfg, source: new FixedSource(markets, tickers), clock: new ManualClock(0) }).refresh();
        const b = await new PairList({ config: cfg, source: new FixedSource([...markets].reverse(), shuffled), clock: new ManualClock(0) }).refresh();
        expect(b.pairs).toEqual(a.pairs);
      }),
      { numRuns: 100 },
    );
  });

  it('splits held pairs into tradable and managed-only without overlap or loss', () => {
    const sym = fc.constantFrom('A/U', 'B/U', 'C/U', 'D/U', 'E/U');
    fc.assert(
      fc.property(fc.uniqueArray(sym), fc.array(sym), (listed, held) => {
        const s = selectPairs(listed, held);
        expect(s.tradable).toEqual(listed);
        expect(s.managedOnly.filter((x) => s.tradable.includes(x))).toEqual([]);
        for (const h of held) expect(s.tradable.includes(h) || s.managedOnly.includes(h)).toBe(true);
        for (const m of s.managedOnly) expect(held).toContain(m);
      }),
    );
  });

  it('blacklist wildcards match exactly the symbols with that side', () => {
    const code = fc.stringMatching(/^[A-Z0-9]{1,6}$/);
    fc.assert(
      fc.property(code, code, code, (base, quote, other) => {
        expect(new Blacklist([`${base}/*`]).has(`${base}/${quote}`)).toBe(true);
        expect(new Blacklist([`*/${quote}`]).has(`${base}/${quote}`)).toBe(true);
        expect(new Blacklist([`${base}/${quote}`]).has(`${other}/${quote}`)).toBe(other === base);
        expect(new Blacklist([`*/${quote}`]).has(`${base}/${other}`)).toBe(other === quote);
      }),
    );
  });
});
