import { ValidationError } from '../../domain/errors.js';
import type { MarketType } from '../../domain/exchange-ids.js';
import type { BalanceAccount, CcxtTypeParams, ExchangeProfile } from '../profiles/index.js';
import type { CcxtInstance } from './ccxt-classes.js';
import { ourMarketType } from './response-schemas.js';

/**
 * Which market type (and so which of the exchange's APIs and accounts) a call goes to. Without this,
 * ccxt sends every call that has no symbol to its default type (spot), so a futures or margin
 * connection would read the spot wallet and the spot open orders.
 */

export interface Route {
  readonly marketType: MarketType;
  /** Extra ccxt params selecting the market type; empty where the unified symbol already does. */
  readonly params: CcxtTypeParams;
}

/** The types a connection trades; a connection that lists none trades everything the exchange offers. */
function tradedTypes(traded: readonly MarketType[], profile: ExchangeProfile): readonly MarketType[] {
  return traded.length > 0 ? traded : profile.marketTypes;
}

/**
 * The route of a call on `symbol`, from ccxt's loaded market (`BTC/USDT` spot, `BTC/USDT:USDT` linear).
 * ccxt routes a unified symbol by itself, so params are added only for margin, which trades the spot
 * symbols. A symbol of a type the connection does not trade is refused before anything is sent.
 */
export function routeSymbol(ex: CcxtInstance, symbol: string, traded: readonly MarketType[], profile: ExchangeProfile): Route {
  const types = tradedTypes(traded, profile);
  const market = ex.market(symbol);
  const marketType = ourMarketType(market.type ?? '', market.margin ?? false, types, profile.marketTypes);
  if (!marketType) {
    throw new ValidationError(`${symbol} is a ${market.type ?? 'unknown'} market; this ${profile.displayName} connection trades ${types.join(', ')}`, [
      { path: 'symbol', message: `not a market of type ${types.join(' / ')}` },
    ]);
  }
  const params = marketType === 'margin' ? (profile.routing.typeParams.margin ?? {}) : {};
  return { marketType, params };
}

/** One param set per distinct route among the connection's types, for calls without a symbol (all open orders). */
export function symbolLessRoutes(traded: readonly MarketType[], profile: ExchangeProfile): CcxtTypeParams[] {
  const routes = new Map<string, CcxtTypeParams>();
  for (const type of tradedTypes(traded, profile)) {
    const params = profile.routing.typeParams[type];
    if (params === undefined) throw new ValidationError(`${profile.displayName}: no route for market type ${type}`);
    routes.set(JSON.stringify(Object.entries(params).sort()), params);
  }
  return [...routes.values()];
}

/**
 * The accounts holding the connection's market types, in the order of its types: callers that look an
 * asset up by name alone see the account of the connection's first (primary) type first.
 */
export function balanceAccountsFor(traded: readonly MarketType[], profile: ExchangeProfile): BalanceAccount[] {
  const types = tradedTypes(traded, profile);
  const rank = (a: BalanceAccount): number => Math.min(...a.marketTypes.map((t) => (types.includes(t) ? types.indexOf(t) : Infinity)));
  return profile.routing.balanceAccounts.filter((a) => Number.isFinite(rank(a))).sort((a, b) => rank(a) - rank(b));
}
