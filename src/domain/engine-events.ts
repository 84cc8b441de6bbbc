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
