import type { EndpointMatch, ExchangeLimitProfile, LimitProfileOptions, LimitRule, RuleScope } from '../../ratelimit/limit-rules.js';
import { breach, get, perSecond, perWindow, post, seedBudgetRule } from '../../ratelimit/profile-kit.js';

/**
 * OKX v5 limits. OKX sends no usage headers; breaches answer HTTP 429 / code 50011 (50061 for the
 * sub-account limit). Place, amend and cancel are separate buckets (shared by REST and WebSocket).
 * Sources: https://www.okx.com/docs-v5/en/#overview-rate-limits and the "Rate Limit" /
 * "Rate limit rule" lines of each endpoint in https://www.okx.com/docs-v5/en/#order-book-trading-trade
 * and .../#trading-account-rest-api, .../#public-data-rest-api, .../#order-book-trading-market-data.
 */
export const OKX_SEED_BUDGET = perSecond(30);

const SOURCE = 'https://www.okx.com/docs-v5/en/#overview-rate-limits';
const uidInstrument: RuleScope = { kind: 'account+symbol' };
const uidEndpoint: RuleScope = { kind: 'endpoint', per: 'account' };
const ipEndpoint: RuleScope = { kind: 'endpoint', per: 'ip' };

/** "N requests per 2 seconds", the unit OKX uses everywhere. */
function per2s(id: string, scope: RuleScope, capacity: number, endpoint: EndpointMatch): LimitRule {
  return { id: `okx.${id}`, scope, limit: perWindow(capacity, 2_000), appliesTo: { endpoints: [endpoint] }, source: SOURCE };
}

export function okxLimits(options: LimitProfileOptions = {}): ExchangeLimitProfile {
  return {
    exchange: 'okx',
    breach: breach({ rateLimitedScope: 'endpoint', defaultPauseMs: 2_000 }),
    rules: [
      ...seedBudgetRule('okx', OKX_SEED_BUDGET, options),
      per2s('place', uidInstrument, 60, post('/api/v5/trade/order')),
      per2s('amend', uidInstrument, 60, post('/api/v5/trade/amend-order')),
      per2s('cancel', uidInstrument, 60, post('/api/v5/trade/cancel-order')),
      {
        id: 'okx.subaccount.new-amend',
        scope: { kind: 'account' },
        limit: perWindow(1_000, 2_000),
        appliesTo: {
          endpoints: [
            post('/api/v5/trade/order', { symbolKind: 'derivative' }),
            post('/api/v5/trade/amend-order', { symbolKind: 'derivative' }),
          ],
        },
        source: 'https://www.okx.com/docs-v5/en/#overview-rate-limits-sub-account-rate-limit',
      },
      per2s('order-details', uidInstrument, 60, get('/api/v5/trade/order')),
      per2s('orders-pending', uidEndpoint, 60, get('/api/v5/trade/orders-pending')),
      per2s('orders-history', uidEndpoint, 40, get('/api/v5/trade/orders-history')),
      per2s('orders-history-archive', uidEndpoint, 20, get('/api/v5/trade/orders-history-archive')),
      per2s('fills', uidEndpoint, 60, get('/api/v5/trade/fills')),
      // ccxt 4.5.84's fetchMyTrades reads /trade/fills-history ("last 3 months"): 10 per 2 s.
      per2s('fills-history', uidEndpoint, 10, get('/api/v5/trade/fills-history')),
      per2s('balance', uidEndpoint, 10, get('/api/v5/account/balance')),
      per2s('account-config', uidEndpoint, 5, get('/api/v5/account/config')),
      // Swaps (trading account): positions, leverage, and the bills ccxt reads funding from (bills-archive, "last 3 months").
      per2s('positions', uidEndpoint, 10, get('/api/v5/account/positions')),
      per2s('set-leverage', uidEndpoint, 20, post('/api/v5/account/set-leverage')),
      per2s('leverage-info', uidEndpoint, 20, get('/api/v5/account/leverage-info')),
      per2s('set-position-mode', uidEndpoint, 5, post('/api/v5/account/set-position-mode')),
      per2s('bills', uidEndpoint, 10, get('/api/v5/account/bills')),
      per2s('bills-archive', uidEndpoint, 5, get('/api/v5/account/bills-archive')),
      per2s('ticker', ipEndpoint, 20, get('/api/v5/market/ticker')),
      per2s('tickers', ipEndpoint, 20, get('/api/v5/market/tickers')),
      per2s('books', ipEndpoint, 40, get('/api/v5/market/books')),
      per2s('candles', ipEndpoint, 40, get('/api/v5/market/candles')),
      // ccxt reads history-candles for a `since` older than 1,440 bars (the live engine's warm-up).
      per2s('history-candles', ipEndpoint, 20, get('/api/v5/market/history-candles')),
      per2s('instruments', ipEndpoint, 20, get('/api/v5/public/instruments')),
      per2s('mark-price', ipEndpoint, 10, get('/api/v5/public/mark-price')),
      per2s('funding-rate', ipEndpoint, 10, get('/api/v5/public/funding-rate')),
      per2s('funding-rate-history', ipEndpoint, 10, get('/api/v5/public/funding-rate-history')),
      per2s('time', ipEndpoint, 10, get('/api/v5/public/time')),
    ],
  };
}

export const okxLimitProfile: ExchangeLimitProfile = okxLimits();
