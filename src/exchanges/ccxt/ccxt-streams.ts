import type { Candle } from '../../domain/candles.js';
import type { ExchangeProfile } from '../profiles/index.js';
import { ccxtConfig, type CcxtConnection } from './ccxt-options.js';
import { loadCcxtPro, type CcxtInstance, type CcxtModules } from './ccxt-classes.js';
import { translateCcxtError } from './error-translation.js';
import { toCandles } from './response-schemas.js';
import { simulatorWsUrls } from './ws-urls.js';

/**
 * The websocket side of one connection: ccxt pro's class, loaded on the first watch, configured like
 * the REST instance (keys, options) and pointed through the same proxy as REST (the simulator takes
 * `ws://host:port/<original wss url>`, ws-urls.ts). It reuses the REST instance's markets, so a
 * stream never loads markets past the rate limiter. Every answer is validated and every failure
 * translated, like REST's.
 */
export class CcxtStreams {
  readonly #connection: CcxtConnection;
  readonly #profile: ExchangeProfile;
  readonly #modules: CcxtModules;
  readonly #rest: CcxtInstance;
  readonly #now: () => number;
  #pro: Promise<CcxtInstance> | null = null;

  constructor(options: { connection: CcxtConnection; profile: ExchangeProfile; modules: CcxtModules; rest: CcxtInstance; now: () => number }) {
    this.#now = options.now;
    this.#connection = options.connection;
    this.#profile = options.profile;
    this.#modules = options.modules;
    this.#rest = options.rest;
  }

  /** The next update of a pair's recent candles (ccxt's cache: the forming candle last). */
  async watchCandles(params: { symbol: string; timeframe: string }): Promise<Candle[]> {
    try {
      const pro = await this.#instance();
      return toCandles(await pro.watchOHLCV(params.symbol, params.timeframe));
    } catch (error) {
      throw translateCcxtError(error, { profile: this.#profile, errors: this.#modules.errors, feedback: undefined, lane: 'read', now: this.#now() });
    }
  }

  /** Closes the sockets; the next watch opens a fresh instance (and connection). */
  async resetStreams(): Promise<void> {
    const pro = this.#pro;
    this.#pro = null;
    if (pro) await (await pro).close();
  }

  #instance(): Promise<CcxtInstance> {
    this.#pro ??= this.#open();
    return this.#pro;
  }

  async #open(): Promise<CcxtInstance> {
    const Pro = await loadCcxtPro(this.#connection.exchange);
    const config = ccxtConfig(this.#connection, this.#profile);
    const probe = new Pro({});
    const proxy = this.#connection.proxyUrl;
    // The whole recent cache on every update (not only what changed since the last call): a close that
    // arrived while the engine was busy is still in the next answer.
    const options = { ...(config['options'] as Record<string, unknown>), newUpdates: false };
    const pro = new Pro({ ...config, options, ...(proxy === undefined ? {} : { urls: simulatorWsUrls(probe.urls, proxy) }) });
    if (this.#connection.mode === 'testnet') pro.setSandboxMode(true);
    // ccxt opens a plain ws:// address (the loopback simulator) only through the http agent it loads on request.
    if (proxy !== undefined) await pro.loadHttpProxyAgent();
    // Markets come from the REST instance (the adapter loads them through the limiter before a watch).
    const markets: unknown = this.#rest.markets;
    if (typeof markets === 'object' && markets !== null && Object.keys(markets).length > 0) pro.setMarketsFromExchange(this.#rest);
    return pro;
  }
}
