import type { Kysely, Selectable } from 'kysely';
import { DECIMAL_PATTERN } from '../domain/money.js';
import { TIME_IN_FORCE, type TimeInForce, type OrderSide, type OrderTrigger, type OrderType, ORDER_STATUSES, type FillRecord, type OrderRecord, type StoredOrderStatus } from '../domain/orders.js';
import { type OrderStore } from '../engine/runtime/ports.js';
import type { FundingRecord } from '../domain/funding.js';
import type { Database, FillsTable, FundingPaymentsTable, OrdersTable } from './schema.js';

type Db = Kysely<Database>;

/** Engine orders and fills on SQLite and Postgres, listed per engine. Fills are unique per (connection, trade id). */
export class SqlOrderRepository implements OrderStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async insertOrder(order: OrderRecord): Promise<void> {
    await this.#db.insertInto('orders').values(orderToRow(order)).execute();
  }

  async updateOrder(order: OrderRecord): Promise<void> {
    const { client_order_id: id, created_at: _created, ...changes } = orderToRow(order);
    await this.#db.updateTable('orders').set(changes).where('client_order_id', '=', id).execute();
  }

  async findOrder(clientOrderId: string): Promise<OrderRecord | undefined> {
    const row = await this.#db.selectFrom('orders').selectAll().where('client_order_id', '=', clientOrderId).executeTakeFirst();
    return row ? orderFromRow(row) : undefined;
  }

  async findByExchangeId(connectionId: string, exchangeOrderId: string): Promise<OrderRecord | undefined> {
    const row = await this.#db
      .selectFrom('orders')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('exchange_order_id', '=', exchangeOrderId)
      .executeTakeFirst();
    return row ? orderFromRow(row) : undefined;
  }

  async listOrders(engineId: string, options: { statuses?: readonly StoredOrderStatus[]; limit?: number } = {}): Promise<OrderRecord[]> {
    let query = this.#db.selectFrom('orders').selectAll().where('engine_id', '=', engineId);
    if (options.statuses) {
      if (options.statuses.length === 0) return [];
      query = query.where('status', 'in', [...options.statuses]);
    }
    if (options.limit !== undefined) {
      // The newest `limit`, returned oldest first.
      const rows = await query.orderBy('created_at', 'desc').orderBy('client_order_id', 'desc').limit(options.limit).execute();
      return rows.reverse().map(orderFromRow);
    }
    const rows = await query.orderBy('created_at').orderBy('client_order_id').execute();
    return rows.map(orderFromRow);
  }

  async insertFill(fill: FillRecord): Promise<boolean> {
    const result = await this.#db
      .insertInto('fills')
      .values(fillToRow(fill))
      .onConflict((oc) => oc.columns(['connection_id', 'trade_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async listFills(engineId: string, options: { limit?: number } = {}): Promise<FillRecord[]> {
    const query = this.#db.selectFrom('fills').selectAll().where('engine_id', '=', engineId);
    if (options.limit !== undefined) {
      const rows = await query.orderBy('time', 'desc').orderBy('trade_id', 'desc').limit(options.limit).execute();
      return rows.reverse().map(fillFromRow);
    }
    return (await query.orderBy('time').orderBy('trade_id').execute()).map(fillFromRow);
  }

  async insertFunding(payment: FundingRecord): Promise<boolean> {
    const result = await this.#db
      .insertInto('funding_payments')
      .values(fundingToRow(payment))
      .onConflict((oc) => oc.columns(['connection_id', 'payment_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async listFunding(engineId: string): Promise<FundingRecord[]> {
    const rows = await this.#db.selectFrom('funding_payments').selectAll().where('engine_id', '=', engineId).orderBy('time').orderBy('payment_id').execute();
    return rows.map(fundingFromRow);
  }
}

function fundingToRow(p: FundingRecord): FundingPaymentsTable {
  return {
    connection_id: p.connectionId,
    payment_id: p.id,
    engine_id: p.engineId,
    symbol: p.symbol,
    amount: p.amount,
    rate: p.rate,
    time: new Date(p.timestamp).toISOString(),
  };
}

/** The ledger validates the amount when it books it: a damaged row stops the start rather than being guessed at. */
function fundingFromRow(row: Selectable<FundingPaymentsTable>): FundingRecord {
  return {
    engineId: row.engine_id,
    connectionId: row.connection_id,
    id: row.payment_id,
    symbol: row.symbol,
    amount: row.amount,
    rate: row.rate,
    timestamp: Date.parse(row.time),
  };
}

function orderToRow(o: OrderRecord): OrdersTable {
  return {
    client_order_id: o.clientOrderId,
    engine_id: o.engineId,
    connection_id: o.connectionId,
    exchange_order_id: o.exchangeOrderId,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    price: o.price,
    amount: o.amount,
    filled: o.filled,
    average: o.average,
    status: o.status,
    adopted: o.adopted ? 1 : 0,
    reduce_only: o.reduceOnly ? 1 : 0,
    trigger_kind: o.trigger?.kind ?? null,
    trigger_price: o.trigger?.price ?? null,
    time_in_force: o.timeInForce,
    expires_at: o.expiresAt,
    tag: o.tag,
    reason: o.reason,
    error: o.error,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
  };
}

function orderFromRow(row: Selectable<OrdersTable>): OrderRecord {
  return {
    clientOrderId: row.client_order_id,
    engineId: row.engine_id,
    connectionId: row.connection_id,
    exchangeOrderId: row.exchange_order_id,
    symbol: row.symbol,
    side: row.side as OrderSide,
    type: row.type as OrderType,
    price: row.price,
    amount: row.amount,
    filled: row.filled,
    average: row.average,
    status: (ORDER_STATUSES as readonly string[]).includes(row.status) ? (row.status as StoredOrderStatus) : 'unknown',
    adopted: Number(row.adopted) === 1,
    reduceOnly: Number(row.reduce_only) === 1,
    trigger: triggerFromRow(row.trigger_kind, row.trigger_price),
    timeInForce: (TIME_IN_FORCE as readonly (string | null)[]).includes(row.time_in_force) ? (row.time_in_force as TimeInForce) : null,
    expiresAt: row.expires_at ?? null,
    tag: row.tag,
    reason: row.reason,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A damaged trigger is not guessed at: the order reads as a plain one, which reconciliation then sees on the exchange. */
function triggerFromRow(kind: string | null, price: string | null): OrderTrigger | null {
  if ((kind !== 'stop-loss' && kind !== 'take-profit') || price === null || !DECIMAL_PATTERN.test(price)) return null;
  return { kind, price };
}

function fillToRow(f: FillRecord): FillsTable {
  return {
    connection_id: f.connectionId,
    engine_id: f.engineId,
    trade_id: f.tradeId,
    client_order_id: f.clientOrderId,
    exchange_order_id: f.orderId,
    symbol: f.symbol,
    side: f.side,
    price: f.price,
    amount: f.amount,
    fee: f.fee,
    fee_asset: f.feeAsset,
    time: new Date(f.timestamp).toISOString(),
  };
}

function fillFromRow(row: Selectable<FillsTable>): FillRecord {
  return {
    engineId: row.engine_id,
    connectionId: row.connection_id,
    tradeId: row.trade_id,
    clientOrderId: row.client_order_id,
    orderId: row.exchange_order_id,
    symbol: row.symbol,
    side: row.side as OrderSide,
    price: row.price,
    amount: row.amount,
    fee: row.fee,
    feeAsset: row.fee_asset,
    timestamp: Date.parse(row.time),
  };
}
