import type { Clock } from '../domain/clock.js';
import type { ConnectionView, Credentials } from '../domain/connection.js';
import { NotImplementedError } from '../domain/errors.js';
import { loadCcxt, type CcxtModules } from './ccxt/ccxt-classes.js';
import { createCcxtExchange } from './ccxt/ccxt-exchange.js';
import { MarketCache } from './ccxt/market-cache.js';
import type { Exchange } from './exchange.port.js';
import type { RequestGate } from '../ratelimit/request-gate.js';

/** Opens the exchange behind a connection: the ccxt adapter for live/testnet, a simulated one otherwise. */
export type ExchangeOpener = (connection: ConnectionView, credentials: Credentials | undefined) => Promise<Exchange>;

export interface ExchangeProviderOptions {
  gate: RequestGate;
  clock: Clock;
  /** CTS_EXCHANGE_PROXY_URL: all exchange traffic to this base URL (the simulator, or a user's proxy). */
  proxyUrl?: string | undefined;
  timeoutMs?: number;
  /** Called before a live/testnet exchange is built: per-connection limits (Kraken's tier). */
  configureLimits?: (connection: ConnectionView) => void;
  /** Paper and replay exchanges (the engine layer provides them). */
  openSimulated?: ExchangeOpener;
}

/**
 * The single place connections become exchanges. ccxt is loaded on first use only (~80 MB and
 * ~140 ms), so an installation running only the demo never pays for it.
 */
export class ExchangeProvider {
  readonly #options: ExchangeProviderOptions;
  #ccxt: Promise<CcxtModules> | undefined;
  readonly #markets: MarketCache;

  constructor(options: ExchangeProviderOptions) {
    this.#options = options;
    this.#markets = new MarketCache({ clock: options.clock });
  }

  readonly open: ExchangeOpener = async (connection, credentials) => {
    if (connection.mode === 'paper' || connection.mode === 'replay') {
      if (!this.#options.openSimulated) {
        throw new NotImplementedError(`${connection.mode} connections need the simulated exchange, which this build does not have`);
      }
      return this.#options.openSimulated(connection, credentials);
    }
    this.#options.configureLimits?.(connection);
    this.#ccxt ??= loadCcxt();
    return createCcxtExchange({
      connection: {
        id: connection.id,
        exchange: connection.exchange,
        mode: connection.mode,
        credentials: credentials ?? null,
        marketTypes: connection.marketTypes,
        ...(this.#options.proxyUrl ? { proxyUrl: this.#options.proxyUrl } : {}),
        ...(this.#options.timeoutMs ? { timeoutMs: this.#options.timeoutMs } : {}),
      },
      gate: this.#options.gate,
      ccxt: await this.#ccxt,
      clock: this.#options.clock,
      marketCache: this.#markets,
    });
  };

  setSimulatedOpener(opener: ExchangeOpener): void {
    this.#options.openSimulated = opener;
  }
}
