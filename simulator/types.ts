import type { ExchangeId } from '../src/domain/exchange-ids.js';
import type { DerivativesVenue } from './matching/derivatives.js';
import type { Venue } from './matching/engine.js';

/**
 * Contract between the simulator core (HTTP server, fault injection, request log, control API) and
 * one exchange's wire format. ccxt reaches the simulator through `proxyUrl`, so each request carries
 * the exchange's original absolute URL; the core routes it to the handler owning that host.
 * Additive changes only: several handlers implement this.
 */

export interface SimRequest {
  method: string;
  /** The original exchange URL ccxt meant to call (host kept: some exchanges sign it). */
  url: URL;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string>>;
  /** Raw body text ('' when none). */
  body: string;
  /** Simulator clock when received, ms since epoch (before any injected skew). */
  receivedAt: number;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** A JSON-serialisable value, or a string sent as is. */
  body: unknown;
}

export interface SimBalance {
  free: string;
  used: string;
}

/** Asset → balance, decimal strings: an account's own wallet, or one it keeps apart. */
export interface SimWallet {
  balances: Record<string, SimBalance>;
}

export interface SimAccount {
  apiKey: string;
  secret: string;
  passphrase?: string;
  /** What the exchange reports about the key. */
  permissions: { trade: boolean; withdraw: boolean; ipRestricted: boolean };
  /** Asset → balance, decimal strings. */
  balances: Record<string, SimBalance>;
  /**
   * The USDⓈ-M futures wallet, on an exchange that keeps it apart from spot (Binance: margin, PnL,
   * fees and funding of its perpetuals move this, never `balances`); absent elsewhere. Added later.
   */
  futures?: SimWallet;
  /**
   * `hedge`: the account was switched to hedge (long/short) position mode where the wire format lets
   * it (Binance USDⓈ-M `dualSidePosition`, OKX set-position-mode `long_short_mode`). The derivatives
   * core trades one-way only, so such an account's perpetual orders are refused (as the exchange
   * refuses one without a LONG/SHORT position side), which is what a client must detect and refuse to
   * trade on; absent: one-way.
   */
  positionMode?: 'hedge';
}

export interface SimContext {
  /** The exchange's clock as it reports it: real simulator time plus any injected skew. */
  exchangeNow(): number;
  /** The account owning this API key on this exchange, if any. */
  findAccount(exchange: ExchangeId, apiKey: string): SimAccount | undefined;
  /** This exchange's matching engine (markets, prices, orders) in this simulator instance. */
  venue(): Venue;
  /** This exchange's perpetuals (added later; optional so other implementations of the context stay valid). */
  derivatives?(): DerivativesVenue;
  /**
   * Adds `weight` to a fixed window counter (windows aligned to multiples of `windowMs` on the
   * exchange clock) and returns the window's total and when it resets. Keys are per exchange, so
   * handlers keep rate-limit state here instead of in module-level variables.
   */
  countInWindow(key: string, windowMs: number, weight?: number): { used: number; resetAt: number };
}

export interface ExchangeHandler {
  readonly id: ExchangeId;
  /** Hostnames this handler answers for (live and sandbox), e.g. api.binance.com, testnet.binance.vision. */
  readonly hosts: readonly string[];
  /** Answers the request, or returns null for an unknown path (the core answers 404 in the exchange's style). */
  handle(req: SimRequest, ctx: SimContext): Promise<SimResponse | null> | SimResponse | null;
  /**
   * The exchange's own body for a rate-limit breach (the core adds status and Retry-After). `kind`
   * tells a plain limit from an IP ban; both arguments were added later and are optional.
   */
  rateLimitBody?(kind?: 'rateLimit' | 'ban', retryAfterSec?: number): unknown;
  /** The exchange's own body for an unknown path. */
  notFoundBody?(): unknown;
}
