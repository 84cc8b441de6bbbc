import type { ExchangeId } from '../domain/exchange-ids.js';

/**
 * The port every exchange request passes through (the rate limiter implements it). The adapter
 * describes the request; the gate waits for every bucket the request needs, sends it, and learns from
 * the response headers and errors (usage headers correct buckets; 429/418/bans pause scopes).
 */
export type RequestLane = 'order' | 'read';

export interface ExchangeRequest {
  exchange: ExchangeId;
  /** Identifies the account (connection) for account-scoped limits. */
  accountKey: string;
  method: string;
  /** Path of the endpoint without the host, e.g. /api/v3/order. */
  path: string;
  /** Unified symbol when the endpoint is per-instrument. */
  symbol?: string;
  /** Orders and cancels go in the priority lane; bulk reads never starve them. */
  lane: RequestLane;
}

export interface ResponseFeedback {
  status: number;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string>>;
}

export interface RequestGate {
  /**
   * Runs `send` once every bucket `request` needs has budget. `send` calls `report` with the HTTP
   * status and headers of the response (also for error responses) before it resolves or throws.
   * Errors from `send` propagate unchanged after the gate has learned from them.
   */
  run<T>(request: ExchangeRequest, send: (report: (feedback: ResponseFeedback) => void) => Promise<T>): Promise<T>;
}

/** For code paths with no limits (the paper and replay exchanges' own simulated calls). */
export const openGate: RequestGate = {
  run: (_request, send) => send(() => undefined),
};
