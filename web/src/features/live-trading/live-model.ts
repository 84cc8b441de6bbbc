import type { QueryClient } from '@tanstack/react-query';
import { displayDecimal } from '../../../../src/domain/decimal-display.js';
import { engineKeys } from '../../api/engine';
import {
  LIVE_ORDER_STATUSES,
  type EngineAction,
  type EngineEvent,
  type EngineState,
  type EngineStatus,
  type FillRecord,
  type OrderRecord,
  type PnlSummary,
  type PositionSnapshot,
} from '../../api/engine-types';

/**
 * What the events stream changes, as pure functions: the per-engine live view (event log, price line
 * from heartbeats, last heartbeat) and the react-query cache (status, orders, fills), so tables and
 * PnL update without reloading.
 */

export const LOG_LIMIT = 200;
export const MARK_LIMIT = 5000;

export type LogLevel = 'info' | 'success' | 'warning' | 'error';

export interface LogEntry {
  key: string;
  time: string;
  type: string;
  level: LogLevel;
  message: string;
}

export interface MarkPoint {
  /** Seconds (the chart's time unit): the candle's time. */
  time: number;
  value: number;
}

export interface EngineLive {
  log: LogEntry[];
  marks: MarkPoint[];
  /** Wall time of the last heartbeat seen on the stream. */
  lastHeartbeatAt: string | null;
}

export interface LiveState {
  engines: Record<string, EngineLive>;
  lastSeq: number;
}

export const INITIAL_LIVE: LiveState = { engines: {}, lastSeq: 0 };
const EMPTY_ENGINE: EngineLive = { log: [], marks: [], lastHeartbeatAt: null };

export function engineLive(state: LiveState, id: string | null): EngineLive {
  return (id ? state.engines[id] : undefined) ?? EMPTY_ENGINE;
}

/** Applies a batch of events (in stream order) to the live view. */
export function liveReducer(state: LiveState, events: readonly EngineEvent[]): LiveState {
  if (events.length === 0) return state;
  const engines = { ...state.engines };
  let lastSeq = state.lastSeq;
  for (const event of events) {
    if (event.seq !== undefined) lastSeq = Math.max(lastSeq, event.seq);
    engines[event.engineId] = applyToEngine(engines[event.engineId] ?? EMPTY_ENGINE, event);
  }
  return { engines, lastSeq };
}

function applyToEngine(live: EngineLive, event: EngineEvent): EngineLive {
  if (event.type === 'heartbeat') {
    const point = markOf(event.payload);
    return { ...live, lastHeartbeatAt: event.time, marks: point ? addMark(live.marks, point) : live.marks };
  }
  // A new run (replay starts over from its first candle): its price line starts afresh.
  const restarted = event.type === 'engine.state' && event.payload.to === 'starting';
  const entry: LogEntry = { key: event.seq !== undefined ? `s${event.seq}` : `${event.type}-${event.time}`, time: event.time, type: event.type, ...describeEvent(event) };
  return { ...live, marks: restarted ? [] : live.marks, log: [entry, ...live.log].slice(0, LOG_LIMIT) };
}

function markOf(payload: Record<string, unknown>): MarkPoint | null {
  const time = payload.candleTime;
  const mark = payload.mark;
  if (typeof time !== 'number' || typeof mark !== 'string') return null;
  const value = Number(mark);
  return Number.isFinite(value) ? { time: Math.floor(time / 1000), value } : null;
}

function addMark(marks: MarkPoint[], point: MarkPoint): MarkPoint[] {
  const last = marks[marks.length - 1];
  if (last && last.time === point.time) return [...marks.slice(0, -1), point];
  if (last && last.time > point.time) return [point]; // time went back: a different run
  return [...marks, point].slice(-MARK_LIMIT);
}

// ---- words -------------------------------------------------------------------------------------------

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
/** A decimal in a sentence: rounded for reading (the payload keeps every digit). */
const num = (v: unknown): string => displayDecimal(str(v));

function orderWords(p: Record<string, unknown>): string {
  const price = num(p.price);
  return `${str(p.side)} ${str(p.type)} ${num(p.amount)} ${str(p.symbol)}${price ? ` @ ${price}` : ''}`.replace(/\s+/g, ' ').trim();
}

/** One plain sentence per event for the event log. */
export function describeEvent(event: EngineEvent): { level: LogLevel; message: string } {
  const p = event.payload;
  switch (event.type) {
    case 'engine.state': {
      const to = str(p.to);
      const level: LogLevel = to === 'error' ? 'error' : to === 'running' ? 'success' : 'info';
      const error = str(p.lastError);
      return { level, message: `Engine ${str(p.from)} → ${to}${error && to === 'error' ? `: ${error}` : ''}` };
    }
    case 'engine.stopped':
      return p.flattenState === 'incomplete'
        ? { level: 'error', message: `Stopped: ${str(p.reason)} — flatten INCOMPLETE, ${num(p.remaining)} left open` }
        : { level: 'info', message: `Stopped: ${str(p.reason)}${p.flattenState === 'flat' ? ' (position flattened)' : ''}` };
    case 'engine.flattened':
      return { level: 'success', message: `Position flattened (left: ${num(p.remaining)}, below the smallest tradable amount)` };
    case 'engine.flatten_partial':
      return { level: 'warning', message: `Flatten order ${str(p.attempt)} filled ${num(p.filled)} of ${num(p.amount)} (the book could not take it whole); sending the rest` };
    case 'engine.flatten_incomplete':
      return { level: 'error', message: `Flatten incomplete: ${num(p.remaining)} still open — ${str(p.reason)}` };
    case 'engine.error':
      return { level: 'error', message: `Engine error: ${str(p.error)}` };
    case 'engine.retry': {
      // Exchange faults have no attempt limit (`of` is absent): the engine waits the outage out.
      const attempt = p.of === undefined ? `Attempt ${str(p.attempt)}` : `Retry ${str(p.attempt)} of ${str(p.of)}`;
      return { level: 'warning', message: `${attempt}, next in ${Math.round(Number(p.delayMs) / 1000)} s: ${str(p.error)}` };
    }
    case 'engine.exchange_unreachable':
      return { level: 'error', message: `Exchange unreachable since ${str(p.since)}: ${str(p.error)}; the open position has no protection until it answers` };
    case 'engine.exchange_recovered':
      return { level: 'success', message: `Exchange answers again after ${Math.round(Number(p.downMs) / 1000)} s (${str(p.attempts)} attempts); orders reconciled` };
    case 'engine.resume_waiting':
      return { level: 'warning', message: `Waiting to resume (attempt ${str(p.attempt)}): ${str(p.reason)}` };
    case 'engine.resume_cancelled':
      return { level: 'info', message: 'Waiting resume cancelled by a stop' };
    case 'engine.kill_switch':
      return { level: 'error', message: `Kill switch: ${str(p.reason)}` };
    case 'engine.stop_problem':
    case 'engine.resume_failed':
      return { level: 'error', message: str(p.error) || event.type };
    case 'engine.flatten_refused':
      return { level: 'warning', message: `Flatten refused: ${str(p.reason)}` };
    case 'fill':
      return {
        level: p.forced === 'liquidation' ? 'error' : 'success',
        message: `${p.forced === 'liquidation' ? 'Liquidation fill: ' : 'Filled '}${str(p.side)} ${num(p.amount)} ${str(p.symbol)} @ ${num(p.price)} (fee ${num(p.feeQuote) || num(p.fee)}${p.realizedPnl && p.realizedPnl !== '0' ? `, realized ${num(p.realizedPnl)}` : ''})`,
      };
    case 'position': {
      const pnl = p.pnl as Partial<PnlSummary> | undefined;
      const positions = Array.isArray(p.positions) ? (p.positions as PositionSnapshot[]) : [];
      const text = positions.map((x) => `${x.dust ? 'dust' : x.side} ${num(x.quantity)} ${x.symbol}`).join(', ');
      return { level: 'info', message: `Position ${text || 'flat'}; net PnL ${pnl?.netPnl === undefined ? '—' : num(pnl.netPnl)}` };
    }
    case 'position.mismatch':
      return {
        level: 'error',
        message: `${str(p.symbol)}: the exchange reports a position of ${num(p.exchange)}, the bot's books ${num(p.ours)} (a liquidation, ADL or a change made on the exchange?); no orders on it until they agree`,
      };
    case 'position.liquidated':
      return {
        level: 'error',
        message: `${str(p.symbol)} was liquidated by the exchange: ${num(p.before)} → ${num(p.after)}, realized ${num(p.realizedPnl)} (fees ${num(p.fees)}); taken into the books`,
      };
    case 'funding.booked': {
      const amount = str(p.amount);
      const received = !amount.startsWith('-');
      return { level: 'info', message: `${str(p.symbol)}: funding ${received ? 'received' : 'paid'} ${num(received ? amount : amount.slice(1))}${p.rate ? ` at a rate of ${num(p.rate)}` : ''} (${str(p.time)}); funding so far ${num(p.funding)}` };
    }
    case 'funding.unavailable':
      return { level: 'warning', message: `${str(p.symbol)}: funding payments could not be read (${str(p.reason)}); asked again in a few minutes, trading goes on` };
    case 'funding.available':
      return { level: 'success', message: `${str(p.symbol)}: funding payments are read again` };
    case 'position.reconciled':
      return { level: 'success', message: `${str(p.symbol)}: the exchange's position and the books agree again (${num(p.quantity)})` };
    case 'risk.rejected':
      return { level: 'warning', message: `Risk refused an order: ${str(p.reason)}` };
    case 'strategy.error':
      return { level: 'error', message: `Strategy error: ${str(p.message)}` };
    case 'order.cancel_failed':
      return { level: 'error', message: `Cancel failed for ${str(p.clientOrderId)}: ${str(p.error)}` };
    case 'order.rejected':
    case 'order.lost':
    case 'order.unknown':
    case 'order.not_placed':
      return { level: 'warning', message: `Order ${event.type.slice(6).replace('_', ' ')}: ${orderWords(p)}${p.error ? ` — ${str(p.error)}` : ''}` };
    default:
      if (event.type.startsWith('order.')) {
        const reason = event.type === 'order.created' && p.reason ? ` — ${str(p.reason)}` : '';
        return { level: 'info', message: `Order ${event.type.slice(6).replace('_', ' ')}: ${orderWords(p)}${reason}` };
      }
      return { level: 'info', message: `${event.type}: ${JSON.stringify(p).slice(0, 200)}` };
  }
}

// ---- the query cache ------------------------------------------------------------------------------------

function isOrder(p: Record<string, unknown>): p is Record<string, unknown> & OrderRecord {
  return typeof p.clientOrderId === 'string' && typeof p.status === 'string' && typeof p.amount === 'string' && typeof p.side === 'string';
}

function isFill(p: Record<string, unknown>): p is Record<string, unknown> & FillRecord {
  return typeof p.tradeId === 'string' && typeof p.price === 'string' && typeof p.amount === 'string' && typeof p.timestamp === 'number';
}

function upsertOrder(orders: readonly OrderRecord[], order: OrderRecord): OrderRecord[] {
  const index = orders.findIndex((o) => o.clientOrderId === order.clientOrderId);
  if (index < 0) return [...orders, order];
  const next = [...orders];
  next[index] = order;
  return next;
}

function patchStatus(client: QueryClient, id: string, patch: (s: EngineStatus) => EngineStatus): void {
  client.setQueryData<EngineStatus>(engineKeys.status(id), (old) => (old ? patch(old) : old));
  client.setQueryData<EngineStatus[]>(engineKeys.statusAll, (old) => old?.map((s) => (s.id === id ? patch(s) : s)));
}

/**
 * Folds a batch of events into the cached status, orders and fills. Facts the events do not carry in
 * full (a new run's configuration, stop results) are refetched instead.
 */
export function applyEventsToCache(client: QueryClient, events: readonly EngineEvent[]): void {
  const refetch = new Set<string>();
  for (const event of events) {
    const id = event.engineId;
    const p = event.payload;
    if (event.type === 'heartbeat') {
      patchStatus(client, id, (s) => withHeartbeat(s, event.time, typeof p.mark === 'string' ? p.mark : null, isPnl(p.pnl) ? p.pnl : null));
    } else if (event.type === 'engine.state' && typeof p.to === 'string') {
      const to = p.to as EngineState;
      patchStatus(client, id, (s) => ({
        ...s,
        state: to,
        allowedActions: Array.isArray(p.allowedActions) ? (p.allowedActions as EngineAction[]) : s.allowedActions,
        lastError: typeof p.lastError === 'string' ? p.lastError : to === 'error' ? s.lastError : null,
      }));
      if (to === 'running' || to === 'stopped' || to === 'error') refetch.add(id);
      if (!client.getQueryData<EngineStatus[]>(engineKeys.statusAll)?.some((s) => s.id === id)) refetch.add('*');
    } else if (event.type === 'position' && Array.isArray(p.positions) && isPnl(p.pnl)) {
      const positions = p.positions as PositionSnapshot[];
      const pnl = p.pnl;
      patchStatus(client, id, (s) => ({ ...s, positions, pnl }));
    } else if (event.type === 'fill' && isFill(p)) {
      const connectionId = client.getQueryData<EngineStatus[]>(engineKeys.statusAll)?.find((s) => s.id === id)?.connectionId ?? '';
      const fill: FillRecord = { ...p, engineId: id, connectionId };
      client.setQueryData<FillRecord[]>(engineKeys.trades(id), (old) => (old && !old.some((f) => f.tradeId === fill.tradeId) ? [...old, fill] : old));
    } else if (event.type.startsWith('order.') && isOrder(p)) {
      const order: OrderRecord = { ...p };
      client.setQueryData<OrderRecord[]>(engineKeys.orders(id), (old) => (old ? upsertOrder(old, order) : old));
      const live = LIVE_ORDER_STATUSES.includes(order.status);
      patchStatus(client, id, (s) => ({
        ...s,
        openOrders: live ? upsertOrder(s.openOrders, order) : s.openOrders.filter((o) => o.clientOrderId !== order.clientOrderId),
      }));
    } else if (event.type === 'engine.stopped') {
      refetch.add(id);
    }
  }
  for (const id of refetch) {
    if (id === '*') void client.invalidateQueries({ queryKey: engineKeys.statusAll });
    else {
      void client.invalidateQueries({ queryKey: engineKeys.status(id) });
      void client.invalidateQueries({ queryKey: engineKeys.orders(id) });
    }
  }
}

/**
 * A heartbeat carries the mark and the PnL totals, not the positions. An engine trades one symbol, so
 * when it holds exactly that one position the totals are that position's figures: copied over (exact
 * strings, no arithmetic) so the positions table keeps pace with the PnL.
 */
export function withHeartbeat(s: EngineStatus, time: string, mark: string | null, pnl: PnlSummary | null): EngineStatus {
  const next: EngineStatus = { ...s, lastHeartbeatAt: time, lastPrice: mark ?? s.lastPrice, pnl: pnl ?? s.pnl };
  const only = s.positions.length === 1 ? s.positions[0] : undefined;
  if (pnl && only && only.symbol === s.symbol) {
    next.positions = [{ ...only, markPrice: mark ?? only.markPrice, realizedPnl: pnl.realizedPnl, unrealizedPnl: pnl.unrealizedPnl, fees: pnl.fees, netPnl: pnl.netPnl, ...(pnl.funding !== undefined ? { funding: pnl.funding } : {}) }];
  }
  return next;
}

function isPnl(v: unknown): v is PnlSummary {
  return typeof v === 'object' && v !== null && typeof (v as PnlSummary).netPnl === 'string';
}
