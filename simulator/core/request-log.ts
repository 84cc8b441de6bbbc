import type { ExchangeId } from '../../src/domain/exchange-ids.js';
import type { RequestFilter } from './schemas.js';

export type RequestOutcome = 'pending' | 'answered' | 'timeout' | 'reset';

export interface LoggedRequest {
  seq: number;
  exchange: ExchangeId;
  method: string;
  /** The original exchange URL. */
  url: string;
  host: string;
  path: string;
  /** Query parameters (last value wins). */
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
  /** Query and body parameters together (form or top-level JSON), so tests need not parse either. */
  params: Record<string, string>;
  receivedAt: number;
  status: number | null;
  outcome: RequestOutcome;
  /** The injected fault's kind, if one applied. */
  fault?: string;
  durationMs?: number;
}

const MAX_ENTRIES = 10_000;

/** Every exchange request the simulator received, newest last; bounded so long runs stay small. */
export class RequestLog {
  #entries: LoggedRequest[] = [];
  #seq = 1;

  record(entry: Omit<LoggedRequest, 'seq' | 'status' | 'outcome'>): LoggedRequest {
    const full: LoggedRequest = { ...entry, seq: this.#seq++, status: null, outcome: 'pending' };
    this.#entries.push(full);
    if (this.#entries.length > MAX_ENTRIES) this.#entries.splice(0, this.#entries.length - MAX_ENTRIES);
    return full;
  }

  list(filter: RequestFilter = {}): LoggedRequest[] {
    const method = filter.method?.toUpperCase();
    return this.#entries
      .filter(
        (e) =>
          (filter.exchange === undefined || e.exchange === filter.exchange) &&
          (method === undefined || e.method === method) &&
          (filter.path === undefined || e.path.includes(filter.path)),
      )
      .map((e) => ({ ...e }));
  }

  clear(): void {
    this.#entries = [];
  }
}

export function parseParams(url: URL, body: string, contentType: string | undefined): Record<string, string> {
  const params: Record<string, string> = Object.fromEntries(url.searchParams);
  if (body === '') return params;
  if (contentType?.includes('application/json') || body.trimStart().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [k, v] of Object.entries(parsed)) params[k] = typeof v === 'string' ? v : JSON.stringify(v);
      }
    } catch {
      // Not JSON after all: leave the raw body to the handler.
    }
    return params;
  }
  for (const [k, v] of new URLSearchParams(body)) params[k] = v;
  return params;
}
