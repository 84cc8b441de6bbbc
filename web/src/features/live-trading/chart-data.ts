import type { FillRecord, OrderRecord } from '../../api/engine-types';
import type { MarkPoint } from './live-model';

/** Pure preparation of the price chart's data, so it can be tested without a canvas. */

export interface LinePoint {
  time: number;
  value: number;
}

export interface FillMarker {
  time: number;
  side: 'buy' | 'sell';
  price: number;
  text: string;
}

export interface OrderLine {
  id: string;
  price: number;
  side: 'buy' | 'sell';
  title: string;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * The line: mark prices from heartbeats (one per candle, while this page is open), with the fills'
 * prices filling in where no heartbeat was seen (after a reload the fills alone draw the line).
 * Times strictly increasing, as the chart requires.
 */
export function linePoints(marks: readonly MarkPoint[], fills: readonly FillRecord[], symbol: string | null): LinePoint[] {
  const byTime = new Map<number, number>();
  for (const fill of fills) {
    if (symbol && fill.symbol !== symbol) continue;
    const price = Number(fill.price);
    if (Number.isFinite(price)) byTime.set(seconds(fill.timestamp), price);
  }
  for (const mark of marks) byTime.set(mark.time, mark.value);
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, value }));
}

export function fillMarkers(fills: readonly FillRecord[], symbol: string | null): FillMarker[] {
  return fills
    .filter((f) => !symbol || f.symbol === symbol)
    .map((f) => ({ time: seconds(f.timestamp), side: f.side, price: Number(f.price), text: `${f.side === 'buy' ? 'B' : 'S'} ${f.amount}` }))
    .sort((a, b) => a.time - b.time);
}

/** Open orders with a limit price, drawn as horizontal lines. */
export function orderLines(orders: readonly OrderRecord[]): OrderLine[] {
  return orders
    .filter((o) => o.price !== null && Number.isFinite(Number(o.price)))
    .map((o) => ({ id: o.clientOrderId, price: Number(o.price), side: o.side, title: `${o.side} ${o.type} ${o.amount}` }));
}
