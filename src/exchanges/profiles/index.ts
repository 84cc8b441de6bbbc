import { EXCHANGE_FACTS, type ExchangeId, type MarketType } from '../../domain/exchange-ids.js';
import type { ExchangeLimitProfile } from '../../ratelimit/limit-rules.js';
import type { OrderOptionsProfile, StopOrdersProfile, WebsocketProfile } from './capabilities.js';
import { binance } from './binance.js';
import { bybit } from './bybit.js';
import { coinbase } from './coinbase.js';
import { gate } from './gate.js';
import { htx } from './htx.js';
import { kraken } from './kraken.js';
import { okx } from './okx.js';

/**
 * An exchange is mostly a table of capabilities (freqtrade's `_ft_has`): everything here is data the
 * one ccxt adapter, the connection tester, the order manager and the docs read. Behaviour stays in
 * src/exchanges/ccxt.
 */

/** How our globally unique client order ids are shaped for one exchange. */
export interface ClientOrderIdRule {
  /** The createOrder parameter the exchange reads it from (ccxt passes it through as is). */
  readonly field: string;
  readonly maxLength: number;
  /** The alphabet (and any fixed prefix) the exchange accepts, anchored. */
  readonly pattern: RegExp;
  /** `prefix-ulid`: `prefix` + the 26-char ULID; `uuid`: the ULID's 128 bits written as a UUID. */
  readonly format: 'prefix-ulid' | 'uuid';
  readonly prefix: string;
  /** What the exchange promises about uniqueness (documented, for the order manager). */
  readonly uniqueness: string;
  /** The ccxt param fetchOrder/cancelOrder read the client id from (ccxt is not uniform here). */
  readonly lookupParam: string;
  /** ccxt can fetch / cancel by client id on this exchange; otherwise the adapter resolves it via open orders. */
  readonly fetchByClientId: boolean;
  readonly cancelByClientId: boolean;
}

export type PermissionsProbe =
  | { readonly queryable: false; readonly reason: string }
  | {
      readonly queryable: true;
      /** The documented endpoint, for people. */
      readonly endpoint: string;
      /** The ccxt implicit-API method that calls it. */
      readonly ccxtMethod: string;
      /** The endpoint is not served by the exchange's testnet. */
      readonly liveOnly: boolean;
    };

/** How `loadMarkets` is trimmed to what a connection trades (see exchange-limits.md, ccxt section). */
export interface LoadMarketsTrim {
  /** Our market type → the values ccxt's `options.fetchMarkets.types` takes; null: ccxt has no such option. */
  readonly fetchMarketsTypes: Partial<Record<MarketType, readonly string[]>> | null;
  /** HTX takes `{ spot: true, linear: false }` instead of a list. */
  readonly typesShape: 'list' | 'flags';
  /** Extra ccxt `options` that avoid calls we do not need. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Capabilities switched off on the instance (ccxt ignores some options; `has` it does not). */
  readonly hasOverrides: Readonly<Record<string, boolean>>;
}

/** ccxt params that select one market type (ccxt's `type` / `subType`), as data per exchange. */
export type CcxtTypeParams = Readonly<Record<string, string>>;

/**
 * How calls reach each market type through ccxt. A unified symbol already names its market
 * (`BTC/USDT` spot, `BTC/USDT:USDT` linear), so calls with a symbol need params only where the symbol
 * is shared by two types (margin trades the spot symbols). Calls without a symbol (balances, all open
 * orders) would otherwise go to ccxt's default type (spot), hence these tables.
 */
export interface MarketRouting {
  /** Params for symbol-less calls (all open orders) per market type; also used for margin on spot symbols. */
  readonly typeParams: Partial<Record<MarketType, CcxtTypeParams>>;
  /**
   * The accounts balances live in. One fetchBalance per account holding a market type the connection
   * trades; an exchange with one unified account lists it once for all its types.
   */
  readonly balanceAccounts: readonly BalanceAccount[];
}

export interface BalanceAccount {
  /** Reported on each BalanceEntry (`spot`, `margin`, `futures`, `unified`, `trading`). */
  readonly account: string;
  readonly marketTypes: readonly MarketType[];
  readonly params: CcxtTypeParams;
}

/** Which asset a spot fill's fee is taken from. */
export type FeeAsset = 'base' | 'quote';

/**
 * How the venue charges spot trading fees by default (no fee-token discount such as BNB, GT or HT
 * switched on): per side, the asset the fee is taken from. The paper and replay exchanges, the
 * backtester (`feeAsset: 'profile'`) and the simulator charge this way, so a backtest shows the dust
 * that base-asset fees leave behind instead of hiding it.
 */
export interface FeeModel {
  readonly buy: FeeAsset;
  readonly sell: FeeAsset;
  /** The venue's page that says so. */
  readonly source: string;
  readonly notes: string;
}

export interface ExchangeProfile {
  readonly id: ExchangeId;
  readonly ccxtId: string;
  readonly displayName: string;
  readonly marketTypes: readonly MarketType[];
  readonly credentials: { readonly passphrase: boolean; readonly keyNotes: string };
  readonly clientOrderId: ClientOrderIdRule;
  readonly permissions: PermissionsProbe;
  readonly testnet: { readonly available: boolean; readonly notes: string };
  readonly loadMarkets: LoadMarketsTrim;
  readonly routing: MarketRouting;
  /** ccxt's own default spacing between requests (ms); informative only, ccxt's throttler is off. */
  readonly ccxtDefaultRateLimitMs: number;
  /** The documented limits as data (`<exchange>.limits.ts`, default options), for the limiter and the docs. */
  readonly limits: ExchangeLimitProfile;
  /** How long to pause when a limit breach carries no Retry-After (documented waits; same as `limits.breach`). */
  readonly breachWaitMs: { readonly rateLimited: number; readonly banned: number };
  /** ccxt options unrelated to markets (e.g. which balance endpoint to use). */
  readonly ccxtOptions: Readonly<Record<string, unknown>>;
  /**
   * Exchange error codes (from the response body, never ccxt's message text) that ccxt leaves as a
   * bare ExchangeError, mapped to what they mean for us.
   */
  readonly errorCodes: Readonly<Record<string, 'authentication_failed' | 'rate_limited' | 'clock_skew' | 'insufficient_funds' | 'order_rejected'>>;
  /** Spot fee asset per side (default account settings). */
  readonly fees: FeeModel;
  /** Per market type: whether a stop-loss can rest on the exchange, and how ccxt places and lists it. */
  readonly stopOrders: StopOrdersProfile;
  /** Per market type: post-only, IOC, FOK, reduce-only. */
  readonly orderOptions: OrderOptionsProfile;
  /** Websocket limits and the ccxt pro streams the exchange has. */
  readonly websocket: WebsocketProfile;
  /** Where each fact came from. */
  readonly docs: Readonly<Record<string, string>>;
  readonly quirks: readonly string[];
}

export const EXCHANGE_PROFILES: Readonly<Record<ExchangeId, ExchangeProfile>> = {
  binance,
  bybit,
  okx,
  kraken,
  coinbase,
  htx,
  gate,
};

export function getProfile(id: ExchangeId): ExchangeProfile {
  return EXCHANGE_PROFILES[id];
}

/**
 * The client order id for `ulid` (26 Crockford base32 chars) in this exchange's format. Ids are made
 * from a ULID so they are globally unique and sortable; the order manager stores them before sending.
 */
export function makeClientOrderId(exchange: ExchangeId, ulid: string): string {
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(ulid)) throw new RangeError(`Expected a 26-character ULID, got "${ulid}"`);
  const rule = EXCHANGE_PROFILES[exchange].clientOrderId;
  const id = rule.format === 'uuid' ? ulidToUuid(ulid) : rule.prefix + ulid;
  if (!isValidClientOrderId(exchange, id)) throw new RangeError(`${exchange}: generated client order id "${id}" breaks the exchange's format`);
  return id;
}

export function isValidClientOrderId(exchange: ExchangeId, id: string): boolean {
  const rule = EXCHANGE_PROFILES[exchange].clientOrderId;
  return id.length <= rule.maxLength && rule.pattern.test(id);
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID is 128 bits; Kraken accepts a UUID-shaped `cl_ord_id`, so the same bits are written as hex. */
function ulidToUuid(ulid: string): string {
  let value = 0n;
  for (const char of ulid) value = value * 32n + BigInt(CROCKFORD.indexOf(char));
  const hex = value.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The profiles must agree with the domain facts (DESIGN §1); checked by a unit test and at boot. */
export function assertProfilesMatchFacts(): void {
  for (const profile of Object.values(EXCHANGE_PROFILES)) {
    const facts = EXCHANGE_FACTS[profile.id];
    const same = facts.marketTypes.length === profile.marketTypes.length && facts.marketTypes.every((t) => profile.marketTypes.includes(t));
    if (!same || facts.needsPassphrase !== profile.credentials.passphrase || facts.hasTestnet !== profile.testnet.available) {
      throw new Error(`Profile ${profile.id} disagrees with EXCHANGE_FACTS`);
    }
  }
}
