// @vitest-environment jsdom
import { QueryClient } from '@tanstack/react-query';
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { engineKeys, parseSseText } from '../../web/src/api/engine';
import type { EngineEvent, EngineStatus, FillRecord, OrderRecord } from '../../web/src/api/engine-types';
import { INITIAL_LIVE, LOG_LIMIT, applyEventsToCache, describeEvent, liveReducer } from '../../web/src/features/live-trading/live-model';
import { LiveTradingPage } from '../../web/src/features/live-trading/LiveTradingPage';
import { SMA, engineStatus } from './live-trading-fixtures';
import { connection, mockApi, renderWithClient } from './support';

// The chart draws on a canvas jsdom does not have: a stand-in records what it was given.
vi.mock('lightweight-charts', () => {
  const series = { setData: vi.fn(), createPriceLine: vi.fn(() => ({})), removePriceLine: vi.fn() };
  return {
    ColorType: { Solid: 'solid' },
    LineStyle: { Dashed: 2 },
    LineSeries: 'Line',
    AreaSeries: 'Area',
    createChart: vi.fn(() => ({ addSeries: vi.fn(() => series), timeScale: () => ({ fitContent: vi.fn() }), remove: vi.fn() })),
    createSeriesMarkers: vi.fn(() => ({ setMarkers: vi.fn() })),
  };
});

const ID = 'demo';
const T0 = '2026-01-01T10:00:00.000Z';

function ev(type: string, payload: Record<string, unknown>, seq?: number): EngineEvent {
  return { engineId: ID, type, payload, time: T0, ...(seq !== undefined ? { seq } : {}) };
}

function order(overrides: Partial<OrderRecord> = {}): OrderRecord {
  return {
    clientOrderId: 'ct-1',
    engineId: ID,
    connectionId: ID,
    exchangeOrderId: null,
    symbol: 'XRP/USDT',
    side: 'buy',
    type: 'market',
    price: null,
    amount: '90',
    filled: '0',
    average: null,
    status: 'pending_create',
    adopted: false,
    reduceOnly: false,
    trigger: null,
    timeInForce: null,
    expiresAt: null,
    tag: null,
    reason: 'fast SMA crossed above slow SMA',
    error: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

const FILL = { tradeId: 't2', orderId: 'o1', clientOrderId: 'ct-1', symbol: 'XRP/USDT', side: 'buy', price: '1.09916', amount: '90', fee: '0.0989244', feeAsset: 'USDT', timestamp: 1637175600000, feeQuote: '0.0989244', realizedPnl: '0' };
const POSITION = {
  positions: [{ symbol: 'XRP/USDT', side: 'long', quantity: '90', averageEntryPrice: '1.09916', cost: '98.9244', realizedPnl: '0', unrealizedPnl: '-0.4113', fees: '0.0989244', baseFees: '0', netPnl: '-0.5102244', markPrice: '1.09459' }],
  pnl: { realizedPnl: '0', unrealizedPnl: '-0.4113', fees: '0.0989244', netPnl: '-0.5102244' },
};

describe('live view reducer', () => {
  it('logs events in words (newest first), skips heartbeats in the log but draws them as prices', () => {
    let state = liveReducer(INITIAL_LIVE, [ev('engine.state', { from: 'stopped', to: 'starting' }, 1), ev('engine.state', { from: 'starting', to: 'running' }, 2)]);
    state = liveReducer(state, [
      ev('heartbeat', { candleTime: 1637175600000, mark: '1.1', pnl: POSITION.pnl }),
      ev('heartbeat', { candleTime: 1637179200000, mark: '1.2' }),
      ev('fill', FILL, 3),
    ]);
    const live = state.engines[ID];
    expect(state.lastSeq).toBe(3);
    expect(live?.log.map((e) => e.message)).toEqual(['Filled buy 90 XRP/USDT @ 1.09916 (fee 0.0989244)', 'Engine starting → running', 'Engine stopped → starting']);
    expect(live?.log[0]?.level).toBe('success');
    expect(live?.marks).toEqual([
      { time: 1637175600, value: 1.1 },
      { time: 1637179200, value: 1.2 },
    ]);
    expect(live?.lastHeartbeatAt).toBe(T0);
    // A new run starts its price line afresh.
    state = liveReducer(state, [ev('engine.state', { from: 'stopped', to: 'starting' }, 9)]);
    expect(state.engines[ID]?.marks).toEqual([]);
  });

  it('keeps the log bounded', () => {
    const events = Array.from({ length: LOG_LIMIT + 50 }, (_, i) => ev('risk.rejected', { reason: `r${i}` }, i + 1));
    const state = liveReducer(INITIAL_LIVE, events);
    expect(state.engines[ID]?.log).toHaveLength(LOG_LIMIT);
    expect(state.engines[ID]?.log[0]?.message).toBe(`Risk refused an order: r${LOG_LIMIT + 49}`);
  });

  it('describes errors and problems plainly', () => {
    expect(describeEvent(ev('engine.state', { from: 'running', to: 'error', lastError: 'exchange unreachable' }))).toEqual({ level: 'error', message: 'Engine running → error: exchange unreachable' });
    expect(describeEvent(ev('engine.kill_switch', { reason: 'daily loss limit 50 reached' })).message).toBe('Kill switch: daily loss limit 50 reached');
    expect(describeEvent(ev('order.rejected', { ...order({ status: 'rejected', error: 'insufficient balance' }) }))).toEqual({
      level: 'warning',
      message: 'Order rejected: buy market 90 XRP/USDT — insufficient balance',
    });
  });

  it('tells funding and a liquidation in words a trader reads, with their sign', () => {
    expect(describeEvent(ev('funding.booked', { symbol: 'BTC/USDT:USDT', amount: '0.3', rate: '0.0001', time: '2026-03-02T08:00:00.000Z', funding: '0.3' })).message).toBe(
      'BTC/USDT:USDT: funding received 0.3 at a rate of 0.0001 (2026-03-02T08:00:00.000Z); funding so far 0.3',
    );
    expect(describeEvent(ev('funding.booked', { symbol: 'BTC/USDT:USDT', amount: '-0.05', rate: null, time: '2026-03-02T16:00:00.000Z', funding: '0.25' })).message).toMatch(/funding paid 0\.05 \(/);
    expect(describeEvent(ev('position.liquidated', { symbol: 'BTC/USDT:USDT', before: '-0.1', after: '0', realizedPnl: '-600', fees: '0' }))).toEqual({
      level: 'error',
      message: 'BTC/USDT:USDT was liquidated by the exchange: -0.1 → 0, realized -600 (fees 0); taken into the books',
    });
    expect(describeEvent(ev('fill', { side: 'buy', amount: '0.1', symbol: 'BTC/USDT:USDT', price: '36000', fee: '0', forced: 'liquidation' })).message).toMatch(/^Liquidation fill: buy 0\.1/);
  });

  it('calls a dust remainder dust, not a long position', () => {
    const dust = { symbol: 'XRP/USDT', side: 'long', quantity: '0.91', dust: true };
    expect(describeEvent(ev('position', { positions: [dust], pnl: { netPnl: '-0.5' } })).message).toBe('Position dust 0.91 XRP/USDT; net PnL -0.5');
    expect(describeEvent(ev('position', { positions: [{ ...dust, quantity: '90', dust: false }], pnl: { netPnl: '0' } })).message).toBe('Position long 90 XRP/USDT; net PnL 0');
  });

  it('never calls an incomplete flatten "flattened"', () => {
    const partial = describeEvent(ev('engine.flatten_partial', { clientOrderId: 'c1', filled: '40', amount: '119.88', attempt: 1 }));
    expect(partial).toEqual({ level: 'warning', message: 'Flatten order 1 filled 40 of 119.88 (the book could not take it whole); sending the rest' });
    expect(describeEvent(ev('engine.flatten_incomplete', { remaining: '39.96', reason: 'the exchange rejected the flatten order: Insufficient balance.' }))).toEqual({
      level: 'error',
      message: 'Flatten incomplete: 39.96 still open — the exchange rejected the flatten order: Insufficient balance.',
    });
    const incomplete = describeEvent(ev('engine.stopped', { reason: 'emergency stop', flatten: true, flattenState: 'incomplete', remaining: '39.96' }));
    expect(incomplete).toEqual({ level: 'error', message: 'Stopped: emergency stop — flatten INCOMPLETE, 39.96 left open' });
    expect(incomplete.message).not.toMatch(/flattened/);
    expect(describeEvent(ev('engine.stopped', { reason: 'emergency stop', flatten: true, flattenState: 'flat', remaining: '0.06' })).message).toBe('Stopped: emergency stop (position flattened)');
    // Requested but no outcome reported (an older server): no claim either way.
    expect(describeEvent(ev('engine.stopped', { reason: 'emergency stop', flatten: true })).message).toBe('Stopped: emergency stop');
  });

  it('parses a polled text/event-stream body', () => {
    const text = `retry: 2000\n\nid: 1\nevent: fill\ndata: ${JSON.stringify(ev('fill', FILL, 1))}\n\nevent: heartbeat\ndata: {"time":"x","lastSeq":1}\n\n`;
    expect(parseSseText(text)).toEqual([ev('fill', FILL, 1)]);
  });
});

describe('query cache updates from events', () => {
  it('updates status, open orders, order history, fills and PnL', () => {
    const client = new QueryClient();
    client.setQueryData(engineKeys.status(ID), engineStatus({ connectionId: ID, state: 'starting', symbol: 'XRP/USDT' }));
    client.setQueryData(engineKeys.statusAll, [engineStatus({ connectionId: ID, state: 'starting' })]);
    client.setQueryData<OrderRecord[]>(engineKeys.orders(ID), []);
    client.setQueryData<FillRecord[]>(engineKeys.trades(ID), []);
    const status = (): EngineStatus | undefined => client.getQueryData(engineKeys.status(ID));

    applyEventsToCache(client, [ev('engine.state', { from: 'starting', to: 'running', allowedActions: ['pause', 'stop', 'fail'], lastError: null }, 1), ev('order.created', { ...order() }, 2)]);
    expect(status()?.state).toBe('running');
    expect(status()?.allowedActions).toEqual(['pause', 'stop', 'fail']);
    expect(client.getQueryData<EngineStatus[]>(engineKeys.statusAll)?.[0]?.state).toBe('running');
    expect(status()?.openOrders.map((o) => o.clientOrderId)).toEqual(['ct-1']);

    applyEventsToCache(client, [ev('order.closed', { ...order({ status: 'closed', filled: '90', average: '1.09916' }) }, 3), ev('fill', FILL, 4), ev('fill', FILL, 4), ev('position', POSITION, 5)]);
    expect(status()?.openOrders).toEqual([]);
    expect(client.getQueryData<OrderRecord[]>(engineKeys.orders(ID))?.map((o) => o.status)).toEqual(['closed']);
    expect(client.getQueryData<FillRecord[]>(engineKeys.trades(ID))?.map((f) => f.tradeId)).toEqual(['t2']);
    expect(status()?.pnl.netPnl).toBe('-0.5102244');
    expect(status()?.positions[0]?.quantity).toBe('90');

    // A heartbeat moves the mark and PnL, and the single position's figures with them (exact strings).
    applyEventsToCache(client, [ev('heartbeat', { candleTime: 1637182800000, mark: '1.09916', pnl: { realizedPnl: '0', unrealizedPnl: '0', fees: '0.0989244', netPnl: '-0.0989244' } })]);
    expect(status()?.lastPrice).toBe('1.09916');
    expect(status()?.lastHeartbeatAt).toBe(T0);
    expect(status()?.pnl.netPnl).toBe('-0.0989244');
    expect(status()?.positions[0]).toMatchObject({ markPrice: '1.09916', unrealizedPnl: '0', netPnl: '-0.0989244', quantity: '90' });
  });
});

// ---- the page, driven by a fake EventSource ---------------------------------------------------------------

class FakeEventSource {
  static instances: FakeEventSource[] = [];
  static readonly CLOSED = 2;
  readonly url: string;
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: ((m: MessageEvent<string>) => void) | null = null;
  closed = false;
  readonly #listeners = new Map<string, ((m: MessageEvent<string>) => void)[]>();

  constructor(url: string) {
    this.url = url;
    FakeEventSource.instances.push(this);
  }

  addEventListener(type: string, listener: (m: MessageEvent<string>) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }

  emit(event: EngineEvent): void {
    const message = new MessageEvent<string>(event.type, { data: JSON.stringify(event), lastEventId: String(event.seq ?? '') });
    for (const listener of this.#listeners.get(event.type) ?? []) listener(message);
  }
}

describe('LiveTradingPage', () => {
  beforeEach(() => {
    FakeEventSource.instances = [];
    vi.stubGlobal('EventSource', FakeEventSource);
    window.history.replaceState(null, '', '/live');
  });

  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('shows the engine and updates state, fills, PnL and the event log from the stream without refetching', async () => {
    const demo = connection({ id: ID, name: 'Demo (replay)', mode: 'replay', apiKey: null, hasApiSecret: false });
    const running = engineStatus({ connectionId: ID, state: 'running', allowedActions: ['pause', 'stop', 'fail'], strategy: 'sma-crossover', symbol: 'XRP/USDT', timeframe: '1h', startedAt: T0, lastHeartbeatAt: T0 });
    const paused: EngineStatus = { ...running, state: 'paused', allowedActions: ['resume', 'stop', 'fail'] };
    let current = running;
    const api = mockApi((call) => {
      if (call.url.startsWith('/api/settings/connections?')) return { status: 200, body: { items: [demo], total: 1, limit: 50, offset: 0 } };
      if (call.url === '/api/trade-engine/status-all') return { status: 200, body: { items: [current] } };
      if (call.url === `/api/trade-engine/status/${ID}`) return { status: 200, body: current };
      if (call.url === '/api/trade-engine/pause') {
        current = paused;
        return { status: 200, body: paused };
      }
      if (call.url.startsWith(`/api/trade-engine/orders/${ID}`)) return { status: 200, body: { items: [] } };
      if (call.url.startsWith(`/api/trade-engine/trades/${ID}`)) return { status: 200, body: { items: [] } };
      if (call.url === '/api/trade-engine/strategies') return { status: 200, body: { items: [SMA] } };
      return undefined;
    });
    const user = userEvent.setup();
    renderWithClient(<LiveTradingPage />);

    const panel = await screen.findByRole('region', { name: 'Bot sma-crossover on Demo (replay)' });
    await waitFor(() => expect(window.location.pathname).toBe(`/live/${ID}`));
    expect(within(panel).getByText('Running')).toBeTruthy();
    expect(await screen.findByText('No fills yet.')).toBeTruthy();
    const source = FakeEventSource.instances[0] as FakeEventSource;
    expect(source.url).toBe('/api/trade-engine/events?since=0');
    act(() => source.open());
    expect(screen.getByText('Live')).toBeTruthy();
    const callsBefore = api.calls.length;

    act(() => {
      source.emit(ev('order.created', { ...order() }, 3));
      source.emit(ev('order.closed', { ...order({ status: 'closed', filled: '90', average: '1.09916' }) }, 4));
      source.emit(ev('fill', FILL, 5));
      source.emit(ev('position', POSITION, 6));
    });
    const fills = await screen.findByRole('table', { name: 'Fills' });
    expect(within(fills).getByText('1.09916')).toBeTruthy();
    expect(screen.getByTestId('net-pnl').textContent).toBe('-0.510224');
    const log = screen.getByRole('list', { name: 'Engine events' });
    expect(within(log).getByText('Filled buy 90 XRP/USDT @ 1.09916 (fee 0.0989244)')).toBeTruthy();
    expect(within(screen.getByRole('table', { name: 'Order history' })).getByText('Filled', { selector: '.order-status' })).toBeTruthy();
    expect(screen.getByRole('img', { name: /1 fill marked/ }).getAttribute('data-markers')).toBe('1');
    expect(api.calls.length).toBe(callsBefore); // all of it from the stream

    // Pause from the UI; the stream then reports the new state.
    await user.click(within(panel).getByRole('button', { name: 'Pause' }));
    expect(await within(panel).findByRole('button', { name: 'Resume' })).toBeTruthy();
    expect(api.calls.find((c) => c.url === '/api/trade-engine/pause')?.body).toEqual({ engineId: ID });

    current = { ...paused, state: 'error', allowedActions: ['recover', 'start', 'stop'], lastError: 'exchange unreachable' };
    act(() => source.emit(ev('engine.state', { from: 'paused', to: 'error', lastError: 'exchange unreachable', allowedActions: ['recover', 'start', 'stop'] }, 7)));
    expect(await within(panel).findByText('Error')).toBeTruthy();
    expect(within(log).getByText('Engine paused → error: exchange unreachable')).toBeTruthy();
    expect(within(panel).getByRole('alert').textContent).toBe('The engine stopped on an error: exchange unreachable');
    // An engine in error can be started again: the form is offered.
    expect(await screen.findByRole('form', { name: 'Start engine' })).toBeTruthy();
  });

  it('shows a red banner with the remaining position when the last flatten is incomplete', async () => {
    const demo = connection({ id: ID, name: 'Live bybit', mode: 'live' });
    const stopped = engineStatus({
      connectionId: ID,
      state: 'stopped',
      allowedActions: ['start'],
      strategy: 'grid',
      symbol: 'XRP/USDT',
      timeframe: '1m',
      lastError: 'Flatten incomplete: 39.96 XRP remain — placing the flatten order failed',
      flatten: { state: 'incomplete', remaining: '39.96', reason: 'placing the flatten order failed', at: T0 },
    });
    mockApi((call) => {
      if (call.url.startsWith('/api/settings/connections?')) return { status: 200, body: { items: [demo], total: 1, limit: 50, offset: 0 } };
      if (call.url === '/api/trade-engine/status-all') return { status: 200, body: { items: [stopped] } };
      if (call.url === `/api/trade-engine/status/${ID}`) return { status: 200, body: stopped };
      if (call.url.startsWith(`/api/trade-engine/orders/${ID}`)) return { status: 200, body: { items: [] } };
      if (call.url.startsWith(`/api/trade-engine/trades/${ID}`)) return { status: 200, body: { items: [] } };
      if (call.url === '/api/trade-engine/strategies') return { status: 200, body: { items: [SMA] } };
      return undefined;
    });
    renderWithClient(<LiveTradingPage />);
    const banner = await screen.findByTestId('flatten-incomplete');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.className).toContain('notice--error');
    expect(banner.textContent).toContain('Flatten incomplete: 39.96 XRP still open on the exchange');
    expect(banner.textContent).toContain('placing the flatten order failed');
    expect(screen.queryByText(/position flattened/)).toBeNull();
  });

  it('lists 20 bots in one table (two per connection), each with its budget, and starts another beside them', async () => {
    const conns = Array.from({ length: 10 }, (_, i) => connection({ id: `c${i}`, name: `Account ${i}`, mode: 'replay' }));
    const bots = Array.from({ length: 20 }, (_, i) =>
      engineStatus({
        id: `bot-${i}`,
        connectionId: `c${i % 10}`,
        state: i === 0 ? 'running' : 'stopped',
        allowedActions: i === 0 ? ['pause', 'stop'] : ['start'],
        strategy: i % 2 === 0 ? 'grid' : 'sma-crossover',
        symbol: 'XRP/USDT',
        budget: i % 2 === 0 ? { quote: '500' } : { sharePct: 25 },
        budgetQuote: i % 2 === 0 ? '500' : '2500',
      }),
    );
    const api = mockApi((call) => {
      if (call.url.startsWith('/api/settings/connections?')) return { status: 200, body: { items: conns, total: conns.length, limit: 50, offset: 0 } };
      if (call.url === '/api/trade-engine/status-all') return { status: 200, body: { items: bots } };
      const status = /^\/api\/trade-engine\/status\/(.+)$/.exec(call.url);
      if (status) return { status: 200, body: bots.find((b) => b.id === status[1]) };
      if (call.url.startsWith('/api/trade-engine/orders/') || call.url.startsWith('/api/trade-engine/trades/')) return { status: 200, body: { items: [] } };
      if (call.url === '/api/trade-engine/strategies') return { status: 200, body: { items: [SMA] } };
      if (call.url === '/api/trade-engine/start') return { status: 200, body: { ...bots[0], id: 'bot-new' } };
      return undefined;
    });
    const user = userEvent.setup();
    renderWithClient(<LiveTradingPage />);
    const list = await screen.findByRole('region', { name: 'Bots (20)' });
    const rows = within(list).getAllByRole('row');
    expect(rows).toHaveLength(21); // header + one row per bot, in a table that scrolls inside its panel
    expect(list.querySelector('.bot-list__scroll')).not.toBeNull();
    expect(within(rows[1] as HTMLElement).getByText('500 USDT')).toBeTruthy();
    expect(within(rows[2] as HTMLElement).getByText('25 % (2500 USDT)')).toBeTruthy();
    expect(within(list).getAllByText('Account 0')).toHaveLength(2); // two bots on one connection
    // The running bot is shown by default.
    expect(await screen.findByRole('region', { name: 'Bot grid on Account 0' })).toBeTruthy();

    await user.click(within(list).getByRole('button', { name: 'New bot' }));
    const form = await screen.findByRole('form', { name: 'Start engine' });
    await user.selectOptions(within(form).getByLabelText('Connection'), 'c0'); // runs bot-0 already
    await user.selectOptions(within(form).getByLabelText('This bot may spend'), 'share');
    await user.type(within(form).getByLabelText('Share (%)'), '20');
    await user.click(within(form).getByRole('button', { name: 'Start bot' }));
    await waitFor(() => expect(api.calls.some((c) => c.url === '/api/trade-engine/start')).toBe(true));
    const body = api.calls.find((c) => c.url === '/api/trade-engine/start')?.body as Record<string, unknown>;
    expect(body).toMatchObject({ connectionId: 'c0', budget: { sharePct: 20 } });
    expect(body.engineId).toBeUndefined();
  });

  it('guides to the connection manager when there is no connection', async () => {
    mockApi((call) => {
      if (call.url.startsWith('/api/settings/connections?')) return { status: 200, body: { items: [], total: 0, limit: 50, offset: 0 } };
      if (call.url === '/api/trade-engine/status-all') return { status: 200, body: { items: [] } };
      return undefined;
    });
    renderWithClient(<LiveTradingPage />);
    expect(await screen.findByText('No connections yet')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Exchange connections' }).getAttribute('href')).toBe('/settings/connections');
  });
});
