import { expect } from 'vitest';
import type { SimFill } from '../../../simulator/matching/types.js';
import { Dec, ZERO } from '../../../src/domain/money.js';
import type { ApiFill, CrashRig } from './rig.js';
import { SIM_STATUS } from './rig.js';

/**
 * The checks after every restart of a crash-safety scenario, the same for every exchange: nothing
 * duplicated, nothing lost, the books of the server and the exchange agree to the trade.
 */

export function signedSum(list: readonly { side: string; amount: string }[]): string {
  return list.reduce((q, f) => q.add(f.side === 'buy' ? new Dec(f.amount) : new Dec(f.amount).neg()), ZERO).toFixed();
}

/**
 * What the account holds of `base` after the fills: a fee the exchange takes in the base coin (Binance,
 * Bybit, Gate, OKX, HTX on a buy) never reaches the account, one taken in the quote coin does not touch it.
 */
export function heldSum(list: readonly { side: string; amount: string; fee?: string; feeAsset?: string | null }[], base: string): string {
  const baseFee = (f: { fee?: string; feeAsset?: string | null }) => (f.feeAsset === base && f.fee !== undefined ? new Dec(f.fee) : ZERO);
  return list.reduce((q, f) => q.add(f.side === 'buy' ? new Dec(f.amount).sub(baseFee(f)) : new Dec(f.amount).add(baseFee(f)).neg()), ZERO).toFixed();
}

/** A simulator fill in the shape of a stored one, ids in the exchange's own format. */
export function asStored(rig: CrashRig, f: SimFill): Required<Pick<ApiFill, 'tradeId' | 'side' | 'price' | 'amount' | 'fee' | 'feeAsset'>> {
  return { tradeId: rig.exchange.tradeId(f), side: f.side, price: f.price, amount: f.qty, fee: f.fee, feeAsset: f.feeAsset };
}

function fillKey(f: Pick<ApiFill, 'tradeId' | 'side' | 'price' | 'amount'>): string {
  return `${f.tradeId} ${f.side} ${new Dec(f.price).toFixed()} ${new Dec(f.amount).toFixed()}`;
}

function feeKey(f: Pick<ApiFill, 'tradeId' | 'fee' | 'feeAsset'>): string {
  return `${f.tradeId} ${f.fee === undefined ? '-' : new Dec(f.fee).toFixed()} ${f.feeAsset ?? '-'}`;
}

/** Stored fills = the exchange's trades: same trade ids, sides, prices, amounts, fees and fee coins. */
export async function expectSameFills(rig: CrashRig, connectionId: string, apiKey: string): Promise<ApiFill[]> {
  const stored = await rig.fills(connectionId);
  const remote = rig.simFills(apiKey).map((f) => asStored(rig, f));
  expect(stored.map(fillKey).sort()).toEqual(remote.map(fillKey).sort());
  expect(stored.map(feeKey).sort()).toEqual(remote.map(feeKey).sort());
  return stored;
}

export interface Expected {
  connectionId: string;
  apiKey: string;
  /** Every order the engine placed, in the order it placed them. */
  ids: readonly string[];
  /** Orders whose create never left the server: stored `rejected`, never on the exchange, never sent. */
  neverSent?: readonly string[];
}

/**
 * Every exchange order maps to exactly one stored order (same id, status and fill) and back, one create
 * request per client id, stored fills = the exchange's trades by trade id (fees in the coin it charged),
 * position = Σ signed fills less the base-coin fees, and the engine still running.
 */
export async function expectConsistent(rig: CrashRig, e: Expected): Promise<{ fills: ApiFill[] }> {
  const stored = await rig.orders(e.connectionId);
  const remote = rig.simOrders(e.apiKey);
  const neverSent = e.neverSent ?? [];

  // No adopted rows (our own orders are never adopted as strangers), no duplicates.
  expect(stored.filter((o) => o.adopted)).toEqual([]);
  expect(new Set(stored.map((o) => o.clientOrderId)).size).toBe(stored.length);
  expect(stored.map((o) => o.clientOrderId)).toEqual(e.ids);

  // Exchange → store: exactly one stored order per exchange order, same id, status and fill.
  for (const r of remote) {
    const matches = stored.filter((o) => o.clientOrderId === r.clientOrderId);
    expect(matches, r.clientOrderId).toHaveLength(1);
    expect(matches[0]).toMatchObject({ exchangeOrderId: rig.exchange.exchangeOrderId(r), status: SIM_STATUS[r.status], filled: r.executedQty });
  }
  // Store → exchange: everything but the orders the exchange never received.
  const notOnExchange = stored.filter((o) => !remote.some((r) => r.clientOrderId === o.clientOrderId));
  expect(notOnExchange.map((o) => [o.clientOrderId, o.status])).toEqual(neverSent.map((id) => [id, 'rejected']));

  // One create request per client id, ever: nothing re-sent after any crash, nothing never-sent sent.
  const creates = rig.creates(e.apiKey);
  expect(creates.map((r) => r.clientOrderId).sort()).toEqual(e.ids.filter((id) => !neverSent.includes(id)).sort());

  const fills = await expectSameFills(rig, e.connectionId, e.apiKey);
  // The position is what the fills left in the account, by the server's records and by the exchange's.
  const position = await rig.position(e.connectionId);
  expect(position ?? '0').toBe(heldSum(fills, rig.base));
  expect(position ?? '0').toBe(heldSum(rig.simFills(e.apiKey).map((f) => asStored(rig, f)), rig.base));
  const engine = await rig.status(e.connectionId);
  expect(engine.state, String(engine.lastError)).toBe('running');
  return { fills };
}
