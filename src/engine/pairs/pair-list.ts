import type { Clock } from '../../domain/clock.js';
import { NotImplementedError } from '../../domain/errors.js';
import type { Exchange, Market, MarketTicker } from '../../exchanges/exchange.port.js';
import type { Candle } from '../../domain/candles.js';
import { Blacklist } from './blacklist.js';
import { byQuoteVolume, candleRange, inRange, marketProblem, tickerProblem, type Rejection } from './pair-filters.js';
import { MIN_REFRESH_MS, type DynamicPairListConfig, type PairListConfig, type StaticPairListConfig, type VolatilityFilter } from '../../domain/pair-list-config.js';

/** What a pair list reads: markets, one batched ticker call per refresh, and daily candles when a filter needs them. */
export type PairListSource = Pick<Exchange, 'id' | 'loadMarkets' | 'fetchCandles' | 'fetchTickers'>;

export interface PairListSnapshot {
  /** Clock time the list was built at. */
  readonly builtAt: number;
  /** Where new trades may open: config order for a static list, best quote volume first for a dynamic one. */
  readonly pairs: readonly string[];
  /** Every market considered and left out, with the first reason found. */
  readonly rejected: readonly Rejection[];
}

/**
 * What the bot does per pair: open new trades only on `tradable` pairs; keep managing (exits, stops,
 * open orders) the `managedOnly` ones, pairs that left the list while the bot still holds them, until
 * their position is closed. A pair is in at most one of the two.
 */
export interface PairSelection {
  readonly tradable: readonly string[];
  readonly managedOnly: readonly string[];
}

export function selectPairs(list: readonly string[], held: Iterable<string>): PairSelection {
  const listed = new Set(list);
  const managedOnly = [...new Set(held)].filter((s) => !listed.has(s)).sort();
  return { tradable: [...list], managedOnly };
}

const DAY_MS = 86_400_000;

/**
 * A bot's pair list. Pure except through the port: every refresh of a dynamic list is one
 * `fetchTickers` (plus, for the daily-candle volatility filter, one candle request per candidate pair
 * per UTC day, cached). A failed refresh keeps the previous list and is retried after a minute.
 */
export class PairList {
  readonly #config: PairListConfig;
  readonly #source: PairListSource;
  readonly #clock: Clock;
  readonly #blacklist: Blacklist;
  readonly #dailyRanges = new Map<string, { day: number; candles: readonly Candle[] }>();
  #current: PairListSnapshot | null = null;
  #nextAt = Number.NEGATIVE_INFINITY;

  constructor(options: { config: PairListConfig; source: PairListSource; clock: Clock }) {
    this.#config = options.config;
    this.#source = options.source;
    this.#clock = options.clock;
    this.#blacklist = new Blacklist(options.config.blacklist);
  }

  get current(): PairListSnapshot | null {
    return this.#current;
  }

  /** When the next refresh is due: a static list is built once (call `refresh` to re-check its markets). */
  get nextRefreshAt(): number {
    return this.#nextAt;
  }

  selection(held: Iterable<string>): PairSelection {
    return selectPairs(this.#current?.pairs ?? [], held);
  }

  /** Rebuilds the list when due; otherwise answers the current one. */
  async refreshIfDue(): Promise<PairListSnapshot> {
    if (this.#current && this.#clock.now() < this.#nextAt) return this.#current;
    return this.refresh();
  }

  async refresh(): Promise<PairListSnapshot> {
    const now = this.#clock.now();
    try {
      const markets = new Map((await this.#source.loadMarkets()).map((m) => [m.symbol, m] as const));
      const snapshot = this.#config.kind === 'static' ? this.#buildStatic(this.#config, markets, now) : await this.#buildDynamic(this.#config, markets, now);
      this.#current = snapshot;
      this.#nextAt = this.#config.kind === 'static' ? Number.POSITIVE_INFINITY : now + this.#config.refreshMs;
      return snapshot;
    } catch (error) {
      this.#nextAt = now + MIN_REFRESH_MS;
      throw error;
    }
  }

  #buildStatic(config: StaticPairListConfig, markets: ReadonlyMap<string, Market>, now: number): PairListSnapshot {
    const pairs: string[] = [];
    const rejected: Rejection[] = [];
    for (const symbol of new Set(config.pairs)) {
      const reason = marketProblem(markets.get(symbol), config.quote, this.#blacklist);
      if (reason) rejected.push({ symbol, reason });
      else pairs.push(symbol);
    }
    return { builtAt: now, pairs, rejected };
  }

  async #buildDynamic(config: DynamicPairListConfig, markets: ReadonlyMap<string, Market>, now: number): Promise<PairListSnapshot> {
    if (!this.#source.fetchTickers) throw new NotImplementedError(`${this.#source.id} cannot read tickers in batches, so it cannot run a dynamic pair list`);
    const tickers = new Map((await this.#source.fetchTickers()).map((t) => [t.symbol, t] as const));
    const rejected: Rejection[] = [];
    const candidates: MarketTicker[] = [];
    for (const [symbol, market] of [...markets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const reason = marketProblem(market, config.quote, this.#blacklist) ?? tickerProblem(tickers.get(symbol), config);
      const ticker = tickers.get(symbol);
      if (reason || !ticker) rejected.push({ symbol, reason: reason ?? 'no ticker' });
      else candidates.push(ticker);
    }
    candidates.sort(byQuoteVolume);
    const pairs: string[] = [];
    const volatility = config.volatility?.source === 'dailyCandles' ? config.volatility : undefined;
    for (const ticker of candidates) {
      if (pairs.length >= config.topN) {
        rejected.push({ symbol: ticker.symbol, reason: 'below top N' });
        continue;
      }
      const reason = volatility ? await this.#dailyProblem(ticker.symbol, volatility, now) : null;
      if (reason) rejected.push({ symbol: ticker.symbol, reason });
      else pairs.push(ticker.symbol);
    }
    return { builtAt: now, pairs, rejected };
  }

  /** Reads the closed daily candles once per pair and UTC day. */
  async #dailyProblem(symbol: string, filter: VolatilityFilter, now: number): Promise<Rejection['reason'] | null> {
    const day = Math.floor(now / DAY_MS);
    let cached = this.#dailyRanges.get(symbol);
    if (cached?.day !== day) {
      const candles = await this.#source.fetchCandles({ symbol, timeframe: '1d', limit: filter.lookbackDays + 1 });
      const closed = candles.filter((c) => c.time + DAY_MS <= now).sort((a, b) => a.time - b.time).slice(-filter.lookbackDays);
      cached = { day, candles: closed };
      this.#dailyRanges.set(symbol, cached);
    }
    const range = candleRange(cached.candles);
    if (range === null) return 'no daily candles';
    return inRange(range, filter) ? null : 'volatility out of range';
  }
}
