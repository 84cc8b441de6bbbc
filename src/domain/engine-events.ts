/** Engine events as the event log stores them and `GET /api/trade-engine/events` streams them. */

export interface NewEngineEvent {
  engineId: string;
  type: string;
  payload: Readonly<Record<string, unknown>>;
  time: string;
}

export interface EngineEvent extends NewEngineEvent {
  /** Strictly increasing across the installation; the SSE `id`. Absent on transient events (heartbeats). */
  seq?: number;
}

/**
 * Every event type the engine emits (docs/engine.md). The web listens to the SSE stream by these
 * names, since named events never reach `onmessage`; test/domain/engine-event-types.test.ts reads
 * src/engine and fails when an emitted type is missing here.
 */
export const ENGINE_EVENT_TYPES = [
  'engine.state',
  'engine.stopped',
  'engine.error',
  'engine.retry',
  'engine.kill_switch',
  'engine.protection_triggered',
  'engine.protection_on_engine',
  'engine.feed_changed',
  'engine.order_stream_changed',
  'engine.stop_problem',
  'engine.flatten_refused',
  'engine.flattened',
  'engine.flatten_partial',
  'engine.flatten_incomplete',
  'engine.resume_failed',
  'engine.resume_waiting',
  'engine.resume_cancelled',
  'engine.exchange_unreachable',
  'engine.exchange_recovered',
  'engine.lease_lost',
  'engine.pair_added',
  'engine.pairs_changed',
  'engine.pairs_refresh_failed',
  'engine.pair_read_failed',
  'order.created',
  'order.accepted',
  'order.open',
  'order.closed',
  'order.canceled',
  'order.rejected',
  'order.expired',
  'order.unfilled_timeout',
  'order.unknown',
  'order.lost',
  'order.updated',
  'order.adopted',
  'order.not_adopted',
  'order.not_placed',
  'order.reopened',
  'order.resolved',
  'order.cancel_failed',
  'order.cancel_ignored',
  'order.fill_after_verdict',
  'fill',
  'position',
  'position.mismatch',
  'position.reconciled',
  'position.liquidated',
  'funding.booked',
  'funding.unavailable',
  'funding.available',
  'heartbeat',
  'risk.rejected',
  'strategy.error',
  'accounting.fee_unpriced',
] as const;

export type EngineEventType = (typeof ENGINE_EVENT_TYPES)[number];
