import { StreamLimitError } from '../../domain/errors.js';
import type { ExchangeId } from '../../domain/exchange-ids.js';
import type { WebsocketProfile } from '../profiles/capabilities.js';

/**
 * The exchanges' websocket limits (profiles/*.capabilities.ts, `websocket`), counted in this process:
 * new connections per IP in a sliding window, and subscriptions per connection. One budget per
 * exchange is shared by every connection and bot of the process (the exchange counts per IP), so a
 * burst of bots starting, or a reconnect loop, cannot get the IP refused or banned. What is over the
 * limit is refused with StreamLimitError before anything is sent: the feed stays on REST and asks
 * again after its backoff. Other processes on the same IP are not counted: `share` leaves them room.
 */
export class WsBudget {
  readonly #exchange: string;
  readonly #connections: { count: number; windowMs: number } | null;
  readonly #subscriptions: number | null;
  readonly #now: () => number;
  /** When each connection in the window was opened (wall clock ms, oldest first). */
  readonly #opened: number[] = [];

  /** `exchange`: the name messages give it (the profile's display name). */
  constructor(options: { exchange: string; profile: Pick<WebsocketProfile, 'connectionsPerIp' | 'subscriptionsPerConnection'>; share?: number; now?: () => number }) {
    const share = options.share ?? DEFAULT_SHARE;
    const perIp = options.profile.connectionsPerIp;
    this.#exchange = options.exchange;
    // A small count in a short window (OKX: 3 a second) is what one bot's start needs and frees within
    // the second: taken whole. A large one (Binance: 300 in 5 min) is where a reconnect loop could
    // spend the IP's budget for minutes: this process keeps to its share of it.
    this.#connections = perIp === null ? null : { count: perIp.count < SHARED_FROM ? perIp.count : Math.floor(perIp.count * share), windowMs: perIp.windowMs };
    this.#subscriptions = options.profile.subscriptionsPerConnection;
    this.#now = options.now ?? Date.now;
  }

  /** Counts a new connection, or throws StreamLimitError when the window is full. */
  openConnection(): void {
    const limit = this.#connections;
    if (limit === null) return;
    const now = this.#now();
    while (this.#opened.length > 0 && (this.#opened[0] as number) <= now - limit.windowMs) this.#opened.shift();
    if (this.#opened.length >= limit.count) {
      const waitS = Math.ceil(((this.#opened[0] as number) + limit.windowMs - now) / 1000);
      throw new StreamLimitError(`${this.#exchange}: ${limit.count} new websocket connections in ${limit.windowMs / 1000} s is as many as CTS opens (the exchange's limit per IP); REST until a slot frees in ${waitS} s`);
    }
    this.#opened.push(now);
  }

  /** Throws StreamLimitError when a connection already holding `held` subscriptions may take no other. */
  addSubscription(held: number): void {
    const limit = this.#subscriptions;
    if (limit !== null && held >= limit) {
      throw new StreamLimitError(`${this.#exchange}: a websocket connection takes at most ${limit} subscriptions; this one stays on REST`);
    }
  }
}

/**
 * The part of a per-IP limit one process takes: the exchanges count every connection from the IP
 * (another CTS process, a phone app on the same network) and refuse, or ban, past it.
 */
const DEFAULT_SHARE = 0.8;
/** Per-IP counts from which the process keeps to its share (below it the whole count). */
const SHARED_FROM = 10;

const budgets = new Map<ExchangeId, WsBudget>();

/** The process's budget for an exchange. */
export function sharedWsBudget(exchange: ExchangeId, displayName: string, profile: WebsocketProfile): WsBudget {
  let budget = budgets.get(exchange);
  if (!budget) budgets.set(exchange, (budget = new WsBudget({ exchange: displayName, profile })));
  return budget;
}

/** Forgets every budget: a fresh process's count (tests that model one CTS process after another). */
export function resetWsBudgets(): void {
  budgets.clear();
}
