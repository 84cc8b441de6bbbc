import type { LoggedRequest } from '../../../simulator/core/request-log.js';
import type { SimFill, SimOrder } from '../../../simulator/matching/types.js';
import type { ExchangeId } from '../../../src/domain/exchange-ids.js';
import { getProfile } from '../../../src/exchanges/profiles/index.js';

/**
 * What the crash-safety scenarios need to know about one exchange's wire, so a scenario runs for any
 * exchange the simulator trades on. Everything has a default from the exchange's profile and the
 * per-exchange wire facts below; a table entry names the exchange and overrides only what differs.
 */
export interface CrashExchange {
  id: ExchangeId;
  displayName: string;
  /** The request(s) that place an order: where the latency fault holds a create and the log is read. */
  creates: readonly CreateRoute[];
  /** The wire name of our client order id in a create (the profile's `clientOrderId.field`). */
  clientIdField: string;
  /** Our client id in a logged create request ('' when it carries none). */
  clientIdOf(request: LoggedRequest): string;
  /** The API key that signed a logged request: tells accounts of one exchange apart. */
  apiKeyOf(request: LoggedRequest): string | undefined;
  /** The engine's timeframe: one ccxt offers for this exchange (the live feed polls a tenth of it, at least every 1 s). */
  timeframe: string;
  /** The secret (and passphrase, where the exchange has one) of a test account, as the simulator checks it. */
  credentials(apiKey: string): { secret: string; passphrase?: string };
  /** The id the adapter stores for a simulator order (the exchange's own id format). */
  exchangeOrderId(order: SimOrder): string;
  /** The trade id the adapter stores for a simulator fill. */
  tradeId(fill: SimFill): string;
  /** Our client id as the exchange reports it for a simulator order (the venue may key it otherwise). */
  simClientOrderId(order: SimOrder): string;
}

export interface CreateRoute {
  method: 'POST';
  /** The exact request path (the simulator's fault rule matches it as a substring, the log filter exactly). */
  path: string;
}

/**
 * Where each exchange places orders and which header (or parameter) carries the API key, from ccxt
 * 4.5.84 (`node_modules/ccxt/js/src/<id>.js`: createOrder's endpoint and `sign()`). Binance and Bybit are
 * exercised by the crash tests; the others are ready for the exchanges' trading simulators.
 */
const WIRE: Readonly<Record<ExchangeId, { creates: readonly CreateRoute[]; apiKeyOf: (r: LoggedRequest) => string | undefined }>> = {
  binance: { creates: [{ method: 'POST', path: '/api/v3/order' }], apiKeyOf: (r) => r.headers['x-mbx-apikey'] },
  bybit: { creates: [{ method: 'POST', path: '/v5/order/create' }], apiKeyOf: (r) => r.headers['x-bapi-api-key'] },
  kraken: { creates: [{ method: 'POST', path: '/0/private/AddOrder' }], apiKeyOf: (r) => r.headers['api-key'] },
  gate: { creates: [{ method: 'POST', path: '/api/v4/spot/orders' }], apiKeyOf: (r) => r.headers['key'] },
  coinbase: { creates: [{ method: 'POST', path: '/api/v3/brokerage/orders' }], apiKeyOf: coinbaseApiKey },
  okx: { creates: [{ method: 'POST', path: '/api/v5/trade/order' }], apiKeyOf: (r) => r.headers['ok-access-key'] },
  htx: { creates: [{ method: 'POST', path: '/v1/order/orders/place' }], apiKeyOf: (r) => r.query['AccessKeyId'] },
};

/** Coinbase signs with a CDP key (Bearer JWT whose header `kid` is the key name) or a legacy HMAC key. */
function coinbaseApiKey(r: LoggedRequest): string | undefined {
  const legacy = r.headers['cb-access-key'];
  if (legacy !== undefined) return legacy;
  const token = /^Bearer (.+)$/.exec(r.headers['authorization'] ?? '')?.[1];
  const header = token?.split('.')[0];
  if (header === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    const kid = parsed !== null && typeof parsed === 'object' && 'kid' in parsed ? parsed.kid : undefined;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

const HMAC_SECRET = 'ctscrashsecret0123456789abcdef';

/** A table entry: the exchange id, its timeframe, and whatever differs from the defaults. */
export type CrashExchangeEntry = { id: ExchangeId; timeframe: string } & Partial<Omit<CrashExchange, 'id' | 'timeframe'>>;

export function crashExchange(entry: CrashExchangeEntry): CrashExchange {
  const profile = getProfile(entry.id);
  const wire = WIRE[entry.id];
  const clientIdField = entry.clientIdField ?? profile.clientOrderId.field;
  return {
    displayName: profile.displayName,
    creates: wire.creates,
    clientIdField,
    clientIdOf: (r) => r.params[clientIdField] ?? '',
    apiKeyOf: wire.apiKeyOf,
    credentials: () => (profile.credentials.passphrase ? { secret: HMAC_SECRET, passphrase: 'ctscrashpass' } : { secret: HMAC_SECRET }),
    exchangeOrderId: (o) => String(o.orderId),
    tradeId: (f) => String(f.tradeId),
    simClientOrderId: (o) => o.clientOrderId,
    ...entry,
  };
}
