import { createHmac } from 'node:crypto';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { RunningSimulator } from '../../../simulator/server.js';
import type { LoggedRequest } from '../../../simulator/core/request-log.js';
import { SQLITE_FILE } from '../../../src/store/database.js';
import type { CrashExchange } from './exchanges.js';

/** Helpers of the crash-safety test: the server's HTTP API, its SQLite file (read-only), the simulator's log. */

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

export async function api<T>(base: string, method: 'GET' | 'POST', route: string, body?: unknown): Promise<ApiAnswer<T>> {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

/** The fields of a stored order the test looks at (API and SQLite rows are mapped to this). */
export interface StoredOrder {
  clientOrderId: string;
  exchangeOrderId: string | null;
  status: string;
  side: string;
  amount: string;
  filled: string;
  adopted: boolean;
  error: string | null;
}

export interface StoredFill {
  tradeId: string;
  clientOrderId: string | null;
  orderId: string | null;
  side: string;
  price: string;
  amount: string;
}

interface OrderRow {
  client_order_id: string;
  exchange_order_id: string | null;
  status: string;
  side: string;
  amount: string;
  filled: string;
  adopted: number;
  error: string | null;
}

/**
 * What the (dead or alive) server has stored, read straight from its SQLite file, read-only: after a
 * kill -9 this is the exact state the next process starts from.
 */
export function readStore(dataDir: string, connectionId: string): { orders: StoredOrder[]; fillIds: string[] } {
  const db = new SQLite(path.join(dataDir, SQLITE_FILE), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('SELECT client_order_id, exchange_order_id, status, side, amount, filled, adopted, error FROM orders WHERE connection_id = ? ORDER BY created_at, client_order_id')
      .all(connectionId) as OrderRow[];
    const fills = db.prepare('SELECT trade_id FROM fills WHERE connection_id = ? ORDER BY trade_id').all(connectionId) as { trade_id: string }[];
    return {
      orders: rows.map((r) => ({
        clientOrderId: r.client_order_id,
        exchangeOrderId: r.exchange_order_id,
        status: r.status,
        side: r.side,
        amount: r.amount,
        filled: r.filled,
        adopted: Number(r.adopted) === 1,
        error: r.error,
      })),
      fillIds: fills.map((f) => f.trade_id),
    };
  } finally {
    db.close();
  }
}

/** Client ids of the creates `useOrderBudget` sends as "another client of the same account". */
const OTHER_CLIENT = 'otherclient';

/**
 * Every create request the server sent for one account on `exchange` (answered, held or still
 * waiting), oldest first, with the client id it carried.
 */
export function createRequests(sim: RunningSimulator, exchange: CrashExchange, apiKey: string): (LoggedRequest & { clientOrderId: string })[] {
  return exchange.creates
    .flatMap((route) => sim.control.requests({ exchange: exchange.id, method: route.method, path: route.path }).filter((r) => r.path === route.path))
    .filter((r) => exchange.apiKeyOf(r) === apiKey)
    .sort((a, b) => a.seq - b.seq)
    .map((r) => ({ ...r, clientOrderId: exchange.clientIdOf(r) }))
    .filter((r) => !r.clientOrderId.startsWith(OTHER_CLIENT));
}

/**
 * Another client of the same Binance account sends creates (refused for insufficient balance, but
 * counted, as Binance counts them) until the account's 10-second order count is `count`. Signed
 * requests over the wire, like any client; returns the count the exchange reported last.
 */
export async function useOrderBudget(sim: RunningSimulator, account: { apiKey: string; secret: string }, count: number): Promise<number> {
  let n = 0;
  const send = async (): Promise<number> => {
    const body = new URLSearchParams({
      symbol: 'XRPUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '9000000',
      price: '0.5',
      newClientOrderId: `${OTHER_CLIENT}${n++}`,
      timestamp: String(Date.now()),
    }).toString();
    const signature = createHmac('sha256', account.secret).update(body).digest('hex');
    const res = await fetch(`${sim.url}https://api.binance.com/api/v3/order`, {
      method: 'POST',
      headers: { 'x-mbx-apikey': account.apiKey, 'content-type': 'application/x-www-form-urlencoded' },
      body: `${body}&signature=${signature}`,
    });
    await res.text();
    const used = Number(res.headers.get('x-mbx-order-count-10s'));
    if (!Number.isFinite(used) || used <= 0) throw new Error(`Expected an order count header, got status ${res.status}`);
    return used;
  };
  const first = await send();
  if (first > count) throw new Error(`The account's order count is already ${first}, above ${count}`);
  const rest = await Promise.all(Array.from({ length: count - first }, send));
  return Math.max(first, ...rest);
}

/** Polls `check` until it returns a value (not undefined), or fails naming what it waited for. */
export async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 8_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error; // e.g. the API is not answering yet
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
