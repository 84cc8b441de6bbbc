/**
 * The API's shapes. Connection types come straight from the server's domain module (type-only imports,
 * nothing from the server is bundled); the shapes of endpoints still being built are declared here.
 */
export type { ConnectionView, KeyPreview } from '../../../src/domain/connection.js';
export type { ConnectionTestResult, ConnectionTestStep, StepOutcome } from '../../../src/domain/connection-test.js';
export type { ConnectionMode, ConnectionStatus, ExchangeId, MarketType } from '../../../src/domain/exchange-ids.js';
export type { FieldError } from '../../../src/domain/errors.js';

import type { ConnectionView } from '../../../src/domain/connection.js';
import type { ConnectionTestResult } from '../../../src/domain/connection-test.js';
import type { ConnectionMode, ConnectionStatus, ExchangeId, MarketType } from '../../../src/domain/exchange-ids.js';
import type { FieldError } from '../../../src/domain/errors.js';

export interface ConnectionPage {
  items: ConnectionView[];
  total: number;
  limit: number;
  offset: number;
}

export interface CreateConnectionBody {
  name: string;
  exchange: ExchangeId;
  marketTypes: MarketType[];
  mode: ConnectionMode;
  enabled?: boolean;
  apiKey?: string;
  apiSecret?: string;
  passphrase?: string;
}

/** PATCH sends only what changed; null removes a stored credential. */
export interface UpdateConnectionBody {
  name?: string;
  exchange?: ExchangeId;
  marketTypes?: MarketType[];
  mode?: ConnectionMode;
  enabled?: boolean;
  apiKey?: string | null;
  apiSecret?: string | null;
  passphrase?: string | null;
}

export interface ConnectionFilters {
  exchange?: ExchangeId | undefined;
  status?: ConnectionStatus | undefined;
  mode?: ConnectionMode | undefined;
}

export interface BatchTestItem {
  connectionId: string;
  name: string;
  exchange: ExchangeId;
  state?: string;
  result?: ConnectionTestResult | null;
  error?: string | null;
}

export interface BatchTestJob {
  jobId: string;
  state: 'running' | 'done' | 'cancelled';
  total: number;
  done: number;
  results: BatchTestItem[];
}

export interface ConnectionHealth {
  connectionId: string;
  status: ConnectionStatus;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  errorRate: number | null;
  lastSuccessAt: string | null;
  consecutiveFailures: number;
  /** banned: an IP ban (HTTP 418); else a rate-limit pause (429). */
  ban: { until: string; banned: boolean } | null;
  /** The last failed probe and why. */
  lastFailure?: { at: string; code: string; message: string } | null;
  /** Probes so far; 0 means none has run yet. */
  samples?: number;
  /** Why the status is what it is, e.g. "error rate 100 %". */
  reasons?: string[];
}

export interface HealthReport {
  overall: 'ok' | 'degraded' | 'failing' | 'unknown';
  connections: ConnectionHealth[];
}

export interface SystemStep {
  name: string;
  outcome: 'ok' | 'warning' | 'failed' | 'skipped';
  durationMs: number;
  message: string;
}

export interface StepReport {
  steps: SystemStep[];
  [key: string]: unknown;
}

/** GET /api/system/status: process, storage, engines, connections, versions; shown generically. */
export type SystemStatus = Record<string, unknown>;

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: FieldError[];
  /** connection-not-tested: the connection to test. */
  connectionId?: string;
}
