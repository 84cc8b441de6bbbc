import { monotonicFactory } from 'ulid';
import type { Clock } from '../../domain/clock.js';
import type { ConnectionView, Credentials } from '../../domain/connection.js';
import { ValidationError } from '../../domain/errors.js';
import type { DecimalString } from '../../domain/money.js';
import type { Exchange, Market } from '../../exchanges/exchange.port.js';
import type { Candle, CandleSeries } from '../../domain/candles.js';
import { loadCandleCsv } from '../../exchanges/simulated/candle-csv.js';
import { PollingCandleFeed, ReplayFeed, type PriceEvent, type PriceFeed } from '../../exchanges/simulated/price-feed.js';
import { SimulatedExchange } from '../../exchanges/simulated/simulated-exchange.js';
import { getProfile } from '../../exchanges/profiles/index.js';
import type { FeeAssets } from '../../exchanges/simulated/fill-simulator.js';
import type { ExchangeId } from '../../domain/exchange-ids.js';
import { checkTimeframe } from './engine-config.js';
import { MultiPairCandleFeed, type RoundPairs } from '../pairs/multi-pair-feed.js';
import type { PairListSource } from '../pairs/pair-list.js';
import { TickerPoller, type TickerStream } from './ticker-poller.js';
import { StreamingCandleFeed, type FeedMode, type FeedStatus } from './streaming-feed.js';
import { AccountFeed } from './account-feed.js';
import type { AccountFeedStatus } from '../../domain/engine-status.js';
import path from 'node:path';
import { isDerivative } from '../risk.js';
import { bundledPerpetualFile, fundingEventsBetween, parseFundingCsv, resolvePerpetualData, type FundingRates, type PerpetualData } from '../backtest/perpetual-data.js';
import { SimulatedPerpetualExchange } from './simulated-perpetual.js';
import { readFile } from 'node:fs/promises';
import { Dec } from '../../domain/money.js';

/**
 * Where an engine trades and where its candles come from. Live/testnet: the exchange adapter and a
 * feed polling its public candles. Paper: the simulated exchange, fed with the real exchange's public
 * candles. Replay: the simulated exchange fed from a candle file. The runner sees the same shape in
 * every mode: no `if (paper)` in the trading path.
 */
export interface EngineVenue {
  exchange: Exchange;
  feed: PriceFeed;
  /** Closed candles of a pair before the feed's first one, to warm the strategy up (empty when the feed starts at the beginning). */
  history(limit: number, symbol: string): Promise<Candle[]>;
  /** Where a pair list reads markets and tickers: the real exchange's public data (paper trades on it too). */
  marketData: PairListSource;
  /** Prices between candles for protection (ticker-poller.ts); absent where only candles exist (replay). */
  ticks?: TickerPoller;
  /** Where candles come from now (websocket or REST), its lag and reconnects; absent for polling-only feeds. */
  feedStatus?: () => Readonly<FeedStatus>;
  /** The account's order and trade updates over the exchange's private websocket (account-feed.ts); absent: REST syncs only. */
  account?: AccountFeed;
  /**
   * The venue's own time where it is not the clock's: a replay's replayed time (the close of the last
   * candle played), which its fills, funding and liquidations are stamped with. Absent: the clock.
   */
  clock?: Clock;
  close(): Promise<void>;
}

/** The port the lead wires to the real adapters: an exchange for a stored connection. */
export type ExchangeFactory = (connection: ConnectionView, credentials: Credentials | undefined) => Promise<Exchange>;

export interface VenueRequest {
  connection: ConnectionView;
  credentials: Credentials | undefined;
  symbol: string;
  timeframe: string;
  timeframeMs: number;
  /** Replay: candles per second. */
  replaySpeed: number;
  /** The engine's current position in base (the simulated account starts holding it, so exits stay possible). */
  position: DecimalString;
  /** Its average entry price (a perpetual's simulated account holds the position at it); absent when flat. */
  entryPrice?: DecimalString;
  /**
   * A bot with a pair list: one feed for every pair, one candle request per pair per candle
   * (multi-pair-feed.ts), asking `round` which pairs to read. Paper accounts list every spot market
   * of `quote` and start holding `positions` (per symbol, in base).
   */
  pairs?: { quote: string; round: RoundPairs; positions: Readonly<Record<string, DecimalString>>; onError?: (symbol: string | null, error: unknown) => void };
  /** Where a single-pair bot's failed price requests between candles go (the runner's `reportFeedFault`). */
  onFeedError?: (symbol: string | null, error: unknown) => void;
  /** The candle feed switched between the websocket and REST (the runner's `reportFeedMode`). */
  onFeedMode?: (mode: FeedMode, reason: string) => void;
  /** The order stream went down or came back (the runner reports it as an event). */
  onAccountFeedMode?: (mode: AccountFeedStatus['mode'], reason: string) => void;
}

export type VenueFactory = (request: VenueRequest) => Promise<EngineVenue>;

export interface SimulatedAccountOptions {
  /** Quote balance of a fresh simulated account. Default 10000. */
  quoteBalance: DecimalString;
  takerFeeRate: DecimalString;
  slippageBps: DecimalString;
}

export interface VenueFactoryOptions {
  openExchange: ExchangeFactory;
  clock: Clock;
  /** The bundled replay file (data/XRP_USDT_USDT-1h-futures.csv). */
  replayCsvPath: string;
  replaySymbol?: string;
  replayTimeframe?: string;
  simulated?: Partial<SimulatedAccountOptions>;
  /** Candles, orders and trades over the exchange's websockets where it has them (streaming-feed.ts, account-feed.ts). Default true. */
  streams?: boolean;
  /** Where a paper or replay perpetual's funding-rate and mark files are (`…-8h-funding_rate.csv`, `…-1h-mark.csv`). Default: the replay file's folder (data/). */
  perpetualDir?: string;
}

const DEFAULT_SIMULATED: SimulatedAccountOptions = { quoteBalance: '10000', takerFeeRate: '0.001', slippageBps: '0' };

/** The bundled file is XRP/USDT perpetual history; replay trades it as a spot market with Binance-like rules. */
export function replayMarket(symbol: string): Market {
  const [base = 'XRP', quote = 'USDT'] = symbol.split('/');
  return { symbol, id: symbol.replace('/', ''), base, quote, type: 'spot', active: true, amountStep: '1', priceStep: '0.0001', minAmount: '1', maxAmount: null, minCost: '5' };
}

/**
 * The same file as the USDT-margined perpetual it is (`XRP/USDT` → `XRP/USDT:USDT`, market type
 * swap), with the spot market's rules: a replay bot on this symbol trades a simulated margin account.
 */
export function replayPerpetualMarket(spotSymbol: string): Market {
  const spot = replayMarket(spotSymbol);
  return { ...spot, symbol: `${spot.symbol}:${spot.quote}`, type: 'swap' };
}

export function createVenueFactory(options: VenueFactoryOptions): VenueFactory {
  const sim = { ...DEFAULT_SIMULATED, ...options.simulated };
  let series: Promise<CandleSeries> | undefined;
  return async (request) => {
    switch (request.connection.mode) {
      case 'replay':
        series ??= loadCandleCsv(options.replayCsvPath);
        return replayVenue(request, await series, options, sim);
      case 'paper':
        return paperVenue(request, options, sim);
      case 'live':
      case 'testnet':
        return liveVenue(request, await options.openExchange(request.connection, request.credentials), options);
    }
  };
}

async function replayVenue(request: VenueRequest, series: CandleSeries, options: VenueFactoryOptions, sim: SimulatedAccountOptions): Promise<EngineVenue> {
  const symbol = options.replaySymbol ?? 'XRP/USDT';
  const timeframe = options.replayTimeframe ?? '1h';
  if (request.timeframe !== timeframe) {
    throw new ValidationError(`Replay plays ${timeframe} candles; got timeframe "${request.timeframe}"`, [{ path: 'timeframe', message: `must be ${timeframe} in replay mode` }]);
  }
  if (request.pairs) throw new ValidationError(`Replay plays one bundled file (${symbol}); a pair list needs a paper or live connection`, [{ path: 'pairList', message: 'not available in replay mode' }]);
  const perpetual = replayPerpetualMarket(symbol);
  if (request.symbol === perpetual.symbol) return replayPerpetualVenue(request, series, options, sim, perpetual);
  const exchange = simulatedExchange('replay', [replayMarket(symbol)], { [symbol]: request.position }, sim, [timeframe], venueFees(request.connection.exchange));
  const speed = (request.replaySpeed * request.timeframeMs) / 1000;
  const feed = new ReplayFeed({ symbol, series, timeframeMs: request.timeframeMs, speed, clock: options.clock });
  return { exchange, feed: new IngestingFeed(feed, exchange), history: async () => [], marketData: exchange, close: () => closeAll(feed, exchange) };
}

/**
 * Replay of the bundled file as its perpetual: a simulated margin account (simulated-perpetual.ts)
 * with the pair's funding-rate and mark files of data/, over the replayed times, whose own clock is
 * the replay's (its fills, payments and liquidations carry the replayed times).
 */
async function replayPerpetualVenue(request: VenueRequest, series: CandleSeries, options: VenueFactoryOptions, sim: SimulatedAccountOptions, market: Market): Promise<EngineVenue> {
  const dir = options.perpetualDir ?? path.dirname(options.replayCsvPath);
  const timeframe = options.replayTimeframe ?? '1h';
  const from = series.length > 0 ? series.time(0) : 0;
  const to = series.length > 0 ? series.time(series.length - 1) + request.timeframeMs : 0;
  const fundingFile = bundledPerpetualFile(dir, market.symbol, 'funding_rate');
  const markFile = bundledPerpetualFile(dir, market.symbol, 'mark', timeframe);
  const data = await resolvePerpetualData({
    range: { symbol: market.symbol, from, to, timeframe, timeframeMs: request.timeframeMs },
    // The file as it is, holes and all: where it has no rate nothing is booked (as in a backtest given it).
    funding: fundingFile === null ? { source: 'none' } : { source: 'bundled', file: fundingFile },
    mark: markFile === null ? { source: 'none' } : { source: 'bundled', file: markFile },
    bundledDir: dir,
    bundledData: true,
  });
  const exchange = new SimulatedPerpetualExchange({
    id: 'replay',
    market,
    timeframeMs: request.timeframeMs,
    quoteBalance: sim.quoteBalance,
    data,
    fundingWindow: { after: from, before: to },
    // A settlement the file has no rate for, with a position held, is reported once by the funding read.
    refuseMissingFunding: true,
    takerFeeRate: sim.takerFeeRate,
    slippageBps: sim.slippageBps,
    idPrefix: `replay-${accountSerial()}`,
    timeframes: [timeframe],
  });
  carry(exchange, request);
  const speed = (request.replaySpeed * request.timeframeMs) / 1000;
  const feed = new ReplayFeed({ symbol: market.symbol, series, timeframeMs: request.timeframeMs, speed, clock: options.clock });
  return { exchange, feed: new IngestingFeed(feed, exchange), history: async () => [], marketData: exchange, clock: replayClock(exchange, market.symbol, request.timeframeMs, from, options.clock), close: () => closeAll(feed, exchange) };
}

/** The bot's position after a restart, held by its fresh simulated margin account. */
function carry(exchange: SimulatedPerpetualExchange, request: VenueRequest): void {
  if (request.position !== '0' && request.entryPrice !== undefined) exchange.carryPosition(new Dec(request.position), new Dec(request.entryPrice));
}

/** A replay's time: the close of the candle it played last (its first candle's open before any), sleeping on the real clock. */
function replayClock(exchange: SimulatedExchange, symbol: string, timeframeMs: number, start: number, clock: Clock): Clock {
  return {
    now: () => {
      const history = exchange.history(symbol);
      return history.length === 0 ? start : history.time(history.length - 1) + timeframeMs;
    },
    sleep: (ms, signal) => clock.sleep(ms, signal),
  };
}

/**
 * Paper on a perpetual: the margin account on the real exchange's candles (they stand in for the
 * mark), funding from the pair's funding-rate file at each real settlement. A file with no rate for
 * the next settlement refuses the start; one that runs out later is reported (`funding.unavailable`).
 */
async function paperPerpetualAccount(request: VenueRequest, options: VenueFactoryOptions, sim: SimulatedAccountOptions, market: Market, timeframes: readonly string[] | undefined): Promise<SimulatedPerpetualExchange> {
  const dir = options.perpetualDir ?? path.dirname(options.replayCsvPath);
  const file = bundledPerpetualFile(dir, market.symbol, 'funding_rate');
  const now = options.clock.now();
  const where = `${request.connection.name} (${request.connection.exchange}, paper)`;
  if (file === null) {
    throw new ValidationError(`A paper bot on the perpetual ${market.symbol} books funding from a funding-rate file, and ${dir} has none for it (${market.symbol.replaceAll('/', '_').replaceAll(':', '_')}-8h-funding_rate.csv, timestamp_ms,funding_rate); ${where} cannot simulate it`, [{ path: 'symbol', message: 'no funding-rate file' }]);
  }
  const rates: FundingRates = parseFundingCsv(await readFile(path.join(dir, file), 'utf8'), file);
  const next = fundingEventsBetween(rates, now, now + rates.intervalMs + 1).find((e) => e.time > now);
  if (next === undefined || next.rate === null) {
    const last = rates.times[rates.times.length - 1] as number;
    throw new ValidationError(
      `A paper bot on the perpetual ${market.symbol} books funding from ${file}, which has no rate for the next settlement (${new Date(next?.time ?? now).toISOString()}; its rates run ${new Date(rates.times[0] as number).toISOString()} → ${new Date(last).toISOString()}): add the current rates to the file, or trade the perpetual in replay or a backtest`,
      [{ path: 'symbol', message: 'funding file does not cover now' }],
    );
  }
  const data: PerpetualData = { funding: rates, fundingNote: file, mark: null, markNote: "paper: the real exchange's candles stand in for the mark" };
  const exchange = new SimulatedPerpetualExchange({
    id: `paper:${request.connection.exchange}`,
    market,
    timeframeMs: request.timeframeMs,
    quoteBalance: sim.quoteBalance,
    data,
    // From now to the file's last rate; the first settlement after it is missing and reported.
    fundingWindow: { after: now, before: (rates.times[rates.times.length - 1] as number) + rates.intervalMs + 1 },
    refuseMissingFunding: true,
    takerFeeRate: sim.takerFeeRate,
    slippageBps: sim.slippageBps,
    idPrefix: `paper-${request.connection.exchange}-${accountSerial()}`,
    ...(timeframes ? { timeframes } : {}),
  });
  carry(exchange, request);
  return exchange;
}

async function paperVenue(request: VenueRequest, options: VenueFactoryOptions, sim: SimulatedAccountOptions): Promise<EngineVenue> {
  // Public market data only: the paper account never sends anything signed to the real exchange.
  const live = await options.openExchange({ ...request.connection, mode: 'live' }, undefined);
  try {
    // Paper trades on the real exchange's candles: only its timeframes exist, refused before any request.
    const timeframes = live.timeframes?.();
    checkTimeframe(timeframes, request.timeframe, `${request.connection.name} (${request.connection.exchange}, paper)`);
    const all = await live.loadMarkets();
    const pairs = request.pairs;
    // A pair list may take in any spot market of its quote: the paper account lists them all.
    const markets = pairs ? all.filter((m) => m.type === 'spot' && m.quote === pairs.quote) : all.filter((m) => m.symbol === request.symbol);
    if (markets.length === 0) {
      const what = pairs ? `no spot market quoted in ${pairs.quote}` : `${request.symbol} is not a market`;
      throw new ValidationError(`${what} on ${request.connection.exchange}`, [{ path: pairs ? 'pairList.quote' : 'symbol', message: 'unknown market' }]);
    }
    const positions = pairs ? pairs.positions : { [request.symbol]: request.position };
    const perpetual = !pairs && isDerivative(markets[0] as Market) ? (markets[0] as Market) : null;
    const exchange = perpetual
      ? await paperPerpetualAccount(request, options, sim, perpetual, timeframes)
      : simulatedExchange(`paper:${request.connection.exchange}`, markets, positions, sim, timeframes, venueFees(request.connection.exchange));
    const source = candleFeed(request, live, options);
    // The simulated account sees each price first, so its resting stops fill on it (fill-simulator.ts).
    const ticks = new TickerPoller({ exchange: live, stream: tickerStream(live, options), clock: options.clock, onTick: (t) => exchange.ingestPrice(t.symbol, t.price, t.time), ...tickErrors(request) });
    return {
      exchange,
      feed: new IngestingFeed(source, exchange),
      ticks,
      ...feedStatusOf(source),
      async history(limit, symbol) {
        const candles = closedOnly(await live.fetchCandles({ symbol, timeframe: request.timeframe, limit }), request.timeframeMs, options.clock);
        // The simulated account needs a last price before the first market order.
        for (const candle of candles) exchange.ingest({ symbol, candle });
        return candles;
      },
      marketData: live,
      close: () => (ticks.close(), closeAll(source, exchange, live)),
    };
  } catch (error) {
    await live.close();
    throw error;
  }
}

function liveVenue(request: VenueRequest, exchange: Exchange, options: VenueFactoryOptions): EngineVenue {
  const clock = options.clock;
  const feed = candleFeed(request, exchange, options);
  const ticks = new TickerPoller({ exchange, stream: tickerStream(exchange, options), clock, ...tickErrors(request) });
  const accountStream = options.streams === false ? null : (exchange.accountStream?.() ?? null);
  const onAccountFeedMode = request.onAccountFeedMode;
  const account = accountStream ? new AccountFeed({ stream: accountStream, clock, ...(onAccountFeedMode ? { onModeChange: onAccountFeedMode } : {}) }) : undefined;
  return {
    exchange,
    feed,
    ticks,
    ...feedStatusOf(feed),
    ...(account ? { account } : {}),
    history: async (limit, symbol) => closedOnly(await exchange.fetchCandles({ symbol, timeframe: request.timeframe, limit }), request.timeframeMs, clock),
    marketData: exchange,
    close: async () => {
      ticks.close();
      await account?.close();
      await closeAll(feed, exchange);
    },
  };
}

/** Prices between candles over the exchange's websocket, where it streams tickers (else REST only). */
function tickerStream(exchange: Exchange, options: VenueFactoryOptions): TickerStream | null {
  if (options.streams === false) return null;
  const stream = exchange.candleStream?.();
  const watch = stream?.watchTicker?.bind(stream);
  return watch ? { watchTicker: watch } : null;
}

/** A failed ticker request is reported like a failed candle request (an outage when transient). */
function tickErrors(request: VenueRequest): { onError?: (symbol: string, error: unknown) => void } {
  const report = request.pairs?.onError ?? request.onFeedError;
  return report ? { onError: report } : {};
}

/**
 * One pair: its websocket where the exchange has one (REST the fallback), else polled until its
 * candle closes. A pair list: one REST request per pair per candle, in rounds.
 */
function candleFeed(request: VenueRequest, exchange: Exchange, options: VenueFactoryOptions): PriceFeed {
  const { timeframe, timeframeMs } = request;
  const clock = options.clock;
  const pairs = request.pairs;
  if (pairs) return new MultiPairCandleFeed({ exchange, timeframe, timeframeMs, clock, pairs: pairs.round, ...(pairs.onError ? { onError: pairs.onError } : {}) });
  const stream = options.streams === false ? null : (exchange.candleStream?.() ?? null);
  if (stream) {
    const onError = request.onFeedError;
    const onModeChange = request.onFeedMode;
    return new StreamingCandleFeed({
      stream,
      rest: exchange,
      symbol: request.symbol,
      timeframe,
      timeframeMs,
      clock,
      ...(onError ? { onError: (error: unknown) => onError(request.symbol, error) } : {}),
      ...(onModeChange ? { onModeChange } : {}),
    });
  }
  return new PollingCandleFeed({ exchange, symbol: request.symbol, timeframe, timeframeMs, clock });
}

function feedStatusOf(feed: PriceFeed): { feedStatus?: () => Readonly<FeedStatus> } {
  return feed instanceof StreamingCandleFeed ? { feedStatus: () => feed.status } : {};
}

/** A fresh simulated account on one market (also what paper/replay connection tests talk to). */
export function simulatedAccount(id: string, market: Market, position: DecimalString = '0', options: Partial<SimulatedAccountOptions> = {}): SimulatedExchange {
  return simulatedExchange(id, [market], { [market.symbol]: position }, { ...DEFAULT_SIMULATED, ...options });
}

/** Paper and replay charge fees the way the connection's venue does (its profile's spot rule per side). */
function venueFees(exchange: ExchangeId): FeeAssets {
  const { buy, sell } = getProfile(exchange).fees;
  return { buy, sell };
}

/** A simulated account on `markets`, holding the quote balance and each long position (by symbol, in base). */
function simulatedExchange(
  id: string,
  markets: readonly Market[],
  positions: Readonly<Record<string, DecimalString>>,
  sim: SimulatedAccountOptions,
  timeframes?: readonly string[],
  feeAssets?: FeeAssets,
): SimulatedExchange {
  const held: Record<string, DecimalString> = {};
  for (const market of markets) {
    const position = positions[market.symbol] ?? '0';
    if (!position.startsWith('-') && position !== '0') held[market.base] = position;
  }
  const quote = (markets[0] as Market).quote;
  return new SimulatedExchange({
    id,
    markets: [...markets],
    balances: { [quote]: sim.quoteBalance, ...held },
    takerFeeRate: sim.takerFeeRate,
    ...(feeAssets ? { feeAssets } : {}),
    slippageBps: sim.slippageBps,
    // Unique per account instance: a restarted paper bot's new account numbers its orders and trades
    // from 1 again, and a trade id seen before is dropped as a duplicate (its fill would be lost).
    idPrefix: `${id.replace(':', '-')}-${accountSerial()}`,
    ...(timeframes ? { timeframes } : {}),
  });
}

const newSerial = monotonicFactory();

/** A short id that differs between simulated accounts, across restarts of the process too (time-ordered, random tail). */
function accountSerial(): string {
  return newSerial().slice(-10).toLowerCase();
}

/** Hands each candle to the simulated exchange (which fills resting orders on it) before the runner sees it. */
export class IngestingFeed implements PriceFeed {
  readonly #inner: PriceFeed;
  readonly #exchange: SimulatedExchange;

  constructor(inner: PriceFeed, exchange: SimulatedExchange) {
    this.#inner = inner;
    this.#exchange = exchange;
  }

  async next(signal?: AbortSignal): Promise<PriceEvent | null> {
    for (;;) {
      const event = await this.#inner.next(signal);
      if (!event) return null;
      // A candle already ingested (e.g. as warm-up history) is skipped: the series only moves forward.
      const history = this.#exchange.history(event.symbol);
      if (history.length > 0 && event.candle.time <= history.time(history.length - 1)) continue;
      this.#exchange.ingest(event);
      return event;
    }
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

function closedOnly(candles: Candle[], timeframeMs: number, clock: Clock): Candle[] {
  const now = clock.now();
  return candles.filter((c) => c.time + timeframeMs <= now).sort((a, b) => a.time - b.time);
}

async function closeAll(...parts: { close(): Promise<void> }[]): Promise<void> {
  await Promise.allSettled(parts.map((p) => p.close()));
}
