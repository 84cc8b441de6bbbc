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

/**
 * Where an engine trades and where its candles come from. Live/testnet: the exchange adapter and a
 * feed polling its public candles. Paper: the simulated exchange, fed with the real exchange's public
 * candles. Replay: the simulated exchange fed from a candle file. The runner sees the same shape in
 * every mode: no `if (paper)` in the trading path.
 */
export interface EngineVenue {
  exchange: Exchange;
  feed: PriceFeed;
  /** Closed candles before the feed's first one, to warm the strategy up (empty when the feed starts at the beginning). */
  history(limit: number): Promise<Candle[]>;
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
}

const DEFAULT_SIMULATED: SimulatedAccountOptions = { quoteBalance: '10000', takerFeeRate: '0.001', slippageBps: '0' };

/** The bundled file is XRP/USDT perpetual history; replay trades it as a spot market with Binance-like rules. */
export function replayMarket(symbol: string): Market {
  const [base = 'XRP', quote = 'USDT'] = symbol.split('/');
  return { symbol, id: symbol.replace('/', ''), base, quote, type: 'spot', active: true, amountStep: '1', priceStep: '0.0001', minAmount: '1', maxAmount: null, minCost: '5' };
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
        return liveVenue(request, await options.openExchange(request.connection, request.credentials), options.clock);
    }
  };
}

function replayVenue(request: VenueRequest, series: CandleSeries, options: VenueFactoryOptions, sim: SimulatedAccountOptions): EngineVenue {
  const symbol = options.replaySymbol ?? 'XRP/USDT';
  const timeframe = options.replayTimeframe ?? '1h';
  if (request.timeframe !== timeframe) {
    throw new ValidationError(`Replay plays ${timeframe} candles; got timeframe "${request.timeframe}"`, [{ path: 'timeframe', message: `must be ${timeframe} in replay mode` }]);
  }
  const exchange = simulatedExchange('replay', replayMarket(symbol), request.position, sim, [timeframe], venueFees(request.connection.exchange));
  const speed = (request.replaySpeed * request.timeframeMs) / 1000;
  const feed = new ReplayFeed({ symbol, series, timeframeMs: request.timeframeMs, speed, clock: options.clock });
  return { exchange, feed: new IngestingFeed(feed, exchange), history: async () => [], close: () => closeAll(feed, exchange) };
}

async function paperVenue(request: VenueRequest, options: VenueFactoryOptions, sim: SimulatedAccountOptions): Promise<EngineVenue> {
  // Public market data only: the paper account never sends anything signed to the real exchange.
  const live = await options.openExchange({ ...request.connection, mode: 'live' }, undefined);
  try {
    // Paper trades on the real exchange's candles: only its timeframes exist, refused before any request.
    const timeframes = live.timeframes?.();
    checkTimeframe(timeframes, request.timeframe, `${request.connection.name} (${request.connection.exchange}, paper)`);
    const market = (await live.loadMarkets()).find((m) => m.symbol === request.symbol);
    if (!market) throw new ValidationError(`${request.symbol} is not a market on ${request.connection.exchange}`, [{ path: 'symbol', message: 'unknown market' }]);
    const exchange = simulatedExchange(`paper:${request.connection.exchange}`, market, request.position, sim, timeframes, venueFees(request.connection.exchange));
    const polling = new PollingCandleFeed({ exchange: live, symbol: request.symbol, timeframe: request.timeframe, timeframeMs: request.timeframeMs, clock: options.clock });
    return {
      exchange,
      feed: new IngestingFeed(polling, exchange),
      async history(limit) {
        const candles = closedOnly(await live.fetchCandles({ symbol: request.symbol, timeframe: request.timeframe, limit }), request.timeframeMs, options.clock);
        // The simulated account needs a last price before the first market order.
        for (const candle of candles) exchange.ingest({ symbol: request.symbol, candle });
        return candles;
      },
      close: () => closeAll(polling, exchange, live),
    };
  } catch (error) {
    await live.close();
    throw error;
  }
}

function liveVenue(request: VenueRequest, exchange: Exchange, clock: Clock): EngineVenue {
  const feed = new PollingCandleFeed({ exchange, symbol: request.symbol, timeframe: request.timeframe, timeframeMs: request.timeframeMs, clock });
  return {
    exchange,
    feed,
    history: async (limit) => closedOnly(await exchange.fetchCandles({ symbol: request.symbol, timeframe: request.timeframe, limit }), request.timeframeMs, clock),
    close: () => closeAll(feed, exchange),
  };
}

/** A fresh simulated account on one market (also what paper/replay connection tests talk to). */
export function simulatedAccount(id: string, market: Market, position: DecimalString = '0', options: Partial<SimulatedAccountOptions> = {}): SimulatedExchange {
  return simulatedExchange(id, market, position, { ...DEFAULT_SIMULATED, ...options });
}

/** Paper and replay charge fees the way the connection's venue does (its profile's spot rule per side). */
function venueFees(exchange: ExchangeId): FeeAssets {
  const { buy, sell } = getProfile(exchange).fees;
  return { buy, sell };
}

function simulatedExchange(id: string, market: Market, position: DecimalString, sim: SimulatedAccountOptions, timeframes?: readonly string[], feeAssets?: FeeAssets): SimulatedExchange {
  const held = position.startsWith('-') || position === '0' ? {} : { [market.base]: position };
  return new SimulatedExchange({
    id,
    markets: [market],
    balances: { [market.quote]: sim.quoteBalance, ...held },
    takerFeeRate: sim.takerFeeRate,
    ...(feeAssets ? { feeAssets } : {}),
    slippageBps: sim.slippageBps,
    idPrefix: id.replace(':', '-'),
    ...(timeframes ? { timeframes } : {}),
  });
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
