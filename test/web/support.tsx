import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { vi, type Mock } from 'vitest';
import type { ConnectionTestResult, ConnectionView } from '../../web/src/api/types';
import { describeSchema } from '../../src/engine/param-docs.js';
import { riskConfigSchema } from '../../src/engine/risk.js';

/** The risk form's fields as the server serves them (GET /api/trade-engine/risk-params): mockApi answers it unless a test does. */
export const RISK_DOCS = describeSchema(riskConfigSchema);

export function renderWithClient(ui: ReactElement): RenderResult {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
}

export function connection(overrides: Partial<ConnectionView> = {}): ConnectionView {
  return {
    id: '01HZY3T9W6Q8M0V6C3K2F1D7AB',
    name: 'Binance main',
    exchange: 'binance',
    marketTypes: ['spot', 'futures'],
    mode: 'live',
    enabled: true,
    status: 'ok',
    apiKey: { mask: 'abcd…wxyz', fingerprint: '1f2e3d4c' },
    hasApiSecret: true,
    hasPassphrase: false,
    rateLimitTier: null,
    lastTestAt: '2026-01-01T10:00:00.000Z',
    lastTestResult: null,
    createdAt: '2026-01-01T09:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
    ...overrides,
  };
}

export function testResult(overrides: Partial<ConnectionTestResult> = {}): ConnectionTestResult {
  return {
    outcome: 'ok',
    summary: 'all checks passed',
    startedAt: '2026-01-01T10:00:00.000Z',
    durationMs: 420,
    simulated: false,
    steps: [
      { name: 'reachability', outcome: 'ok', durationMs: 80, message: 'Reachable in 80 ms.' },
      { name: 'authentication', outcome: 'ok', durationMs: 120, message: 'The key was accepted.' },
    ],
    ...overrides,
  };
}

export interface Call {
  method: string;
  url: string;
  body: unknown;
}

/** The Authorization header of each call, in order (kept apart so Call stays easy to compare). */
export const authHeaders: (string | undefined)[] = [];

type Reply = { status: number; body?: unknown };
type Handler = (call: Call) => Reply | undefined;

/** Replaces fetch: every call is recorded; the first handler that answers wins, otherwise 404. */
export function mockApi(handler: Handler): { calls: Call[]; fetch: Mock } {
  const calls: Call[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const call: Call = {
      method: init?.method ?? 'GET',
      url: String(input),
      body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
    };
    calls.push(call);
    authHeaders.push(new Headers(init?.headers).get('authorization') ?? undefined);
    const reply = handler(call) ?? (call.url === '/api/trade-engine/risk-params' ? { status: 200, body: { items: RISK_DOCS } } : undefined) ?? { status: 404, body: { type: 'x/route-not-found', title: 'Not Found', status: 404, detail: 'no route' } };
    const headers = { 'content-type': reply.status >= 400 ? 'application/problem+json' : 'application/json' };
    return new Response(reply.status === 204 || reply.body === undefined ? null : JSON.stringify(reply.body), { status: reply.status, headers });
  });
  vi.stubGlobal('fetch', fetch);
  return { calls, fetch };
}

export function problem(status: number, detail: string, errors?: { path: string; message: string }[]) {
  return { type: `https://cts.local/problems/p${status}`, title: 'Error', status, detail, ...(errors ? { errors } : {}) };
}
