import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { currentToken } from '../auth/token';
import { ENGINE_EVENT_TYPES } from '../../../src/domain/engine-events.js';
import { api } from './client';
import type { EngineEvent, EngineStatus, FieldDoc, FillRecord, OrderRecord, StartEngineBody, StrategyInfo } from './engine-types';

const BASE = '/api/trade-engine';

export const engineKeys = {
  all: ['engine'] as const,
  strategies: ['engine', 'strategies'] as const,
  riskParams: ['engine', 'risk-params'] as const,
  statusAll: ['engine', 'status-all'] as const,
  status: (id: string) => ['engine', 'status', id] as const,
  orders: (id: string) => ['engine', 'orders', id] as const,
  trades: (id: string) => ['engine', 'trades', id] as const,
};

const enc = encodeURIComponent;

export function useStrategies() {
  return useQuery({
    queryKey: engineKeys.strategies,
    queryFn: async () => (await api<{ items: StrategyInfo[] }>('GET', `${BASE}/strategies`)).items,
    staleTime: 5 * 60_000,
  });
}

/** The risk limits' fields, as the server's schema describes them (the start and backtest forms render them). */
export function useRiskParams() {
  return useQuery({
    queryKey: engineKeys.riskParams,
    queryFn: async () => (await api<{ items: FieldDoc[] }>('GET', `${BASE}/risk-params`)).items,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/** Every bot that was ever started, on every connection. */
export function useEngineStatusAll() {
  return useQuery({
    queryKey: engineKeys.statusAll,
    queryFn: async () => (await api<{ items: EngineStatus[] }>('GET', `${BASE}/status-all`)).items,
    refetchInterval: 15_000,
  });
}

export function useEngineStatus(engineId: string | null) {
  return useQuery({
    queryKey: engineKeys.status(engineId ?? ''),
    enabled: engineId !== null,
    queryFn: () => api<EngineStatus>('GET', `${BASE}/status/${enc(engineId ?? '')}`),
    // The events stream keeps it current; this only catches what a dropped stream missed.
    refetchInterval: 30_000,
  });
}

export function useEngineOrders(engineId: string | null) {
  return useQuery({
    queryKey: engineKeys.orders(engineId ?? ''),
    enabled: engineId !== null,
    queryFn: async () => (await api<{ items: OrderRecord[] }>('GET', `${BASE}/orders/${enc(engineId ?? '')}?limit=500`)).items,
  });
}

export function useEngineTrades(engineId: string | null) {
  return useQuery({
    queryKey: engineKeys.trades(engineId ?? ''),
    enabled: engineId !== null,
    queryFn: async () => (await api<{ items: FillRecord[] }>('GET', `${BASE}/trades/${enc(engineId ?? '')}?limit=500`)).items,
  });
}

/** Each control answers the engine's new status: put it in the cache at once, then refresh the lists. */
function useEngineMutation<TBody extends object>(path: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: TBody) => api<EngineStatus>('POST', `${BASE}/${path}`, body),
    onSuccess: (status) => {
      client.setQueryData(engineKeys.status(status.id), status);
    },
    onSettled: () => client.invalidateQueries({ queryKey: engineKeys.all }),
  });
}

export const useStartEngine = () => useEngineMutation<StartEngineBody>('start');
export const useStopEngine = () => useEngineMutation<{ engineId: string; cancelOpenOrders?: boolean }>('stop');
export const usePauseEngine = () => useEngineMutation<{ engineId: string }>('pause');
export const useResumeEngine = () => useEngineMutation<{ engineId: string }>('resume');
export const useEmergencyStop = () => useEngineMutation<{ engineId: string; flatten: boolean }>('emergency-stop');

// ---- the events stream ----------------------------------------------------------------------------------

export type StreamState = 'connecting' | 'open' | 'reconnecting';

export interface EventStreamOptions {
  /** Resume after this sequence number (events with a higher `seq` are sent first). */
  since: number;
  onEvent: (event: EngineEvent) => void;
  onState: (state: StreamState) => void;
  /** Polling interval when a token forces polling. Default 1000 ms. */
  pollMs?: number;
}

/**
 * Opens `GET /api/trade-engine/events`. Without an admin token it is an `EventSource` (the browser
 * reconnects by itself and sends `Last-Event-ID`). `EventSource` cannot send an Authorization header,
 * so with a token the same endpoint is polled with `follow=false&since=<last seq>`. Returns a closer.
 */
export function openEventStream(options: EventStreamOptions): () => void {
  let last = options.since;
  const deliver = (event: EngineEvent): void => {
    if (event.seq !== undefined) {
      if (event.seq <= last) return;
      last = event.seq;
    }
    options.onEvent(event);
  };
  if (currentToken() === null && typeof EventSource !== 'undefined') return openEventSource(options, deliver);
  return openPolling(options, deliver, () => last);
}

function openEventSource(options: EventStreamOptions, deliver: (e: EngineEvent) => void): () => void {
  options.onState('connecting');
  const source = new EventSource(`${BASE}/events?since=${options.since}`);
  const onMessage = (message: MessageEvent<string>): void => {
    const event = parseEvent(message.data);
    if (event) deliver(event);
  };
  // The server names each event (`event: fill`…) and named events never reach `onmessage`: listen by name.
  for (const type of ENGINE_EVENT_TYPES) source.addEventListener(type, onMessage);
  source.onmessage = onMessage;
  source.onopen = () => options.onState('open');
  // EventSource retries by itself (the server asks for 2 s) and resumes with Last-Event-ID.
  source.onerror = () => options.onState('reconnecting');
  return () => source.close();
}

function openPolling(options: EventStreamOptions, deliver: (e: EngineEvent) => void, last: () => number): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  options.onState('connecting');
  const poll = async (): Promise<void> => {
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      const token = currentToken();
      if (token) headers.authorization = `Bearer ${token}`;
      const response = await fetch(`${BASE}/events?follow=false&since=${last()}`, { headers });
      if (!response.ok) throw new Error(`events answered ${response.status}`);
      const text = await response.text();
      if (stopped) return;
      for (const event of parseSseText(text)) deliver(event);
      options.onState('open');
    } catch {
      if (!stopped) options.onState('reconnecting');
    }
    if (!stopped) timer = setTimeout(() => void poll(), options.pollMs ?? 1000);
  };
  void poll();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}


export function parseEvent(data: string): EngineEvent | null {
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value !== 'object' || value === null) return null;
    const e = value as Partial<EngineEvent>;
    if (typeof e.engineId !== 'string' || typeof e.type !== 'string' || typeof e.time !== 'string') return null;
    return { engineId: e.engineId, type: e.type, time: e.time, payload: typeof e.payload === 'object' && e.payload !== null ? e.payload : {}, ...(typeof e.seq === 'number' ? { seq: e.seq } : {}) };
  } catch {
    return null;
  }
}

/** Parses a complete `text/event-stream` body (the polling answer) into events, skipping comments and errors. */
export function parseSseText(text: string): EngineEvent[] {
  const events: EngineEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let name = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length === 0 || name === 'error') continue;
    const event = parseEvent(data.join('\n'));
    if (event) events.push(event);
  }
  return events;
}
