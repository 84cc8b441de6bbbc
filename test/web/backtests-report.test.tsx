// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BacktestReport, BacktestView } from '../../web/src/api/engine-types';
import { BacktestRun } from '../../web/src/features/backtests/BacktestRun';
import { BacktestsPage } from '../../web/src/features/backtests/BacktestsPage';
import { equitySeries } from '../../web/src/features/backtests/EquityChart';
import { metricsOf } from '../../web/src/features/backtests/MetricsGrid';
import completed from './backtest-fixture.json';
import { SMA } from './live-trading-fixtures';
import { mockApi, problem, renderWithClient } from './support';

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

/** A real answer of GET /api/backtests/{id} (SMA 3/8 on the bundled XRP file), trimmed to 5 equity points and 2 trades. */
const DONE = completed as BacktestView;
const REPORT = DONE.result as BacktestReport;

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('backtest report', () => {
  it('derives the metrics grid from the report', () => {
    expect(metricsOf(REPORT).map((m) => [m.label, m.value, m.sub ?? ''])).toEqual([
      ['Net profit', '-1.30', '-0.13 %'],
      ['Ending equity', '998.70', 'from 1000.00'],
      ['Max drawdown', '0.58 %', '5.85'],
      ['Win rate', '33.3 %', '2 won · 4 lost'],
      ['Profit factor', '0.77', 'gross win / gross loss'],
      ['Sharpe', '-2.32', 'annualised'],
      ['Sortino', '-3.82', 'annualised'],
      ['Exposure', '39.0 %', 'candles in a position'],
      ['Trades', '6', '6 closed'],
      ['Fees paid', '1.2005', ''],
      ['Buy and hold', '-4.83', '-0.48 %'],
    ]);
  });

  it('turns the equity curve into chart points (seconds, increasing)', () => {
    expect(equitySeries(REPORT.equityCurve.points).slice(0, 2)).toEqual([
      { time: Date.parse('2021-11-17T02:00:00.000Z') / 1000, value: 1000 },
      { time: Date.parse('2021-11-17T03:00:00.000Z') / 1000, value: 1000 },
    ]);
    expect(equitySeries([{ time: '2021-01-01T01:00:00Z', equity: '2' }, { time: '2021-01-01T00:00:00Z', equity: '1' }]).map((p) => p.value)).toEqual([1, 2]);
  });

  it('shows progress while running, then the report', async () => {
    let polls = 0;
    mockApi((call) => {
      if (call.url === `/api/backtests/${DONE.id}`) {
        polls += 1;
        if (polls === 1) return { status: 200, body: { ...DONE, status: 'running', result: null, progress: { done: 40, total: 100, fraction: 0.4 } } };
        return { status: 200, body: DONE };
      }
      if (call.url.startsWith('/api/backtests?')) return { status: 200, body: { items: [], total: 0 } };
      return undefined;
    });
    renderWithClient(<BacktestRun id={DONE.id} />);
    const bar = await screen.findByRole('progressbar', { name: 'Backtest progress' });
    expect(bar.getAttribute('aria-valuenow')).toBe('40');
    expect(screen.getByText('40 of 100 candles')).toBeTruthy();

    const report = await screen.findByTestId('backtest-report', {}, { timeout: 3000 });
    expect(within(report).getByRole('heading', { name: 'sma-crossover on XRP/USDT:USDT · 1h' })).toBeTruthy();
    const metrics = within(report).getByLabelText('Backtest metrics');
    expect(within(metrics).getByText('Net profit').nextElementSibling?.textContent).toBe('-1.30-0.13 %');
    expect(within(metrics).getByText('Sharpe').nextElementSibling?.textContent).toBe('-2.32annualised');
    const trades = within(report).getByRole('table', { name: 'Trades' });
    expect(within(trades).getAllByRole('row')).toHaveLength(3); // header + 2
    expect(within(trades).getByText('-0.6433')).toBeTruthy();
    expect(within(report).getByRole('img', { name: 'Equity curve: 5 points' })).toBeTruthy();
  });

  it('says why a run failed', async () => {
    mockApi((call) => (call.url === '/api/backtests/x1' ? { status: 200, body: { ...DONE, id: 'x1', status: 'failed', result: null, error: 'Cancelled: the server is shutting down' } } : undefined));
    renderWithClient(<BacktestRun id="x1" />);
    expect((await screen.findByRole('alert')).textContent).toBe('Cancelled: the server is shutting down');
  });
});

describe('BacktestsPage', () => {
  beforeEach(() => window.history.replaceState(null, '', '/backtests'));

  it('sends the form as a backtest request and opens the new run', async () => {
    const api = mockApi((call) => {
      if (call.url === '/api/backtests/catalog') return { status: 200, body: { strategies: [SMA], bundledFiles: ['XRP_USDT_USDT-1h-futures.csv'], perpetualFiles: [] } };
      if (call.url.startsWith('/api/settings/connections?')) return { status: 200, body: { items: [], total: 0, limit: 50, offset: 0 } };
      if (call.url.startsWith('/api/backtests?')) return { status: 200, body: { items: [], total: 0 } };
      if (call.method === 'POST' && call.url === '/api/backtests') return { status: 202, body: { id: DONE.id } };
      if (call.url === `/api/backtests/${DONE.id}`) return { status: 200, body: DONE };
      return undefined;
    });
    const user = userEvent.setup();
    renderWithClient(<BacktestsPage />);
    const form = await screen.findByRole('form', { name: 'New backtest' });
    expect(screen.getByText('No backtest open')).toBeTruthy();
    await user.clear(within(form).getByLabelText('Fast'));
    await user.type(within(form).getByLabelText('Fast'), '3');
    await user.clear(within(form).getByLabelText('Fee rate'));
    await user.type(within(form).getByLabelText('Fee rate'), '0.0004');
    await user.type(within(form).getByLabelText('From (UTC)'), '2021-11-18');
    await user.click(within(form).getByText(/^Risk limits/));
    await user.type(within(form).getByLabelText('Take profit %'), '3');
    await user.click(within(form).getByRole('button', { name: 'Run backtest' }));

    await waitFor(() => expect(window.location.pathname).toBe(`/backtests/${DONE.id}`));
    expect(api.calls.find((c) => c.method === 'POST')?.body).toEqual({
      strategy: 'sma-crossover',
      params: { fast: 3, slow: 30, sizeQuote: '100' },
      feeRate: '0.0004',
      slippageBps: '5',
      risk: { maxOpenOrders: 10, takeProfitPct: 3, allowShort: false },
      data: { source: 'bundled', file: 'XRP_USDT_USDT-1h-futures.csv' },
      from: '2021-11-18',
    });
    expect(await screen.findByTestId('backtest-report')).toBeTruthy();
  });

  it("checks before sending and shows the server's field errors on the fields", async () => {
    const api = mockApi((call) => {
      if (call.url === '/api/backtests/catalog') return { status: 200, body: { strategies: [SMA], bundledFiles: ['XRP_USDT_USDT-1h-futures.csv'], perpetualFiles: [] } };
      if (call.url.startsWith('/api/settings/connections?')) return { status: 200, body: { items: [], total: 0, limit: 50, offset: 0 } };
      if (call.url.startsWith('/api/backtests?')) return { status: 200, body: { items: [], total: 0 } };
      if (call.method === 'POST') return { status: 400, body: problem(400, 'No candles in the requested date range', [{ path: 'from', message: 'no data in range' }]) };
      return undefined;
    });
    const user = userEvent.setup();
    renderWithClient(<BacktestsPage />);
    const form = await screen.findByRole('form', { name: 'New backtest' });
    await user.type(within(form).getByLabelText('From (UTC)'), '2030-02-01');
    await user.type(within(form).getByLabelText('To (UTC, exclusive)'), '2030-01-01');
    await user.click(within(form).getByRole('button', { name: 'Run backtest' }));
    expect(within(form).getByText('From must be before To.')).toBeTruthy();
    expect(api.calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await user.clear(within(form).getByLabelText('To (UTC, exclusive)'));
    await user.type(within(form).getByLabelText('To (UTC, exclusive)'), '2030-03-01');
    await user.click(within(form).getByRole('button', { name: 'Run backtest' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('Could not start the backtest: No candles in the requested date range');
    expect(within(form).getByText('no data in range')).toBeTruthy();
    expect(within(form).getByLabelText('From (UTC)').getAttribute('aria-invalid')).toBe('true');
  });

  it('leaves the starting balance to the server when empty, and shows its refusal for a BTC quote on that field', async () => {
    const refusal = problem(400, 'ETH/BTC is quoted in BTC: give the starting balance in BTC', [{ path: 'startingBalance', message: 'required for a BTC-quoted pair' }]);
    const api = mockApi((call) => {
      if (call.url === '/api/backtests/catalog') return { status: 200, body: { strategies: [SMA], bundledFiles: ['ETH_BTC-1m.csv'], perpetualFiles: [] } };
      if (call.url.startsWith('/api/settings/connections?')) return { status: 200, body: { items: [], total: 0, limit: 50, offset: 0 } };
      if (call.url.startsWith('/api/backtests?')) return { status: 200, body: { items: [], total: 0 } };
      if (call.method === 'POST') return { status: 400, body: refusal };
      return undefined;
    });
    const user = userEvent.setup();
    renderWithClient(<BacktestsPage />);
    const form = await screen.findByRole('form', { name: 'New backtest' });
    expect((within(form).getByLabelText('Starting balance') as HTMLInputElement).value).toBe('');
    await user.click(within(form).getByRole('button', { name: 'Run backtest' }));
    expect(await within(form).findByText('required for a BTC-quoted pair')).toBeTruthy();
    expect(within(form).getByLabelText('Starting balance').getAttribute('aria-invalid')).toBe('true');
    expect(api.calls.find((c) => c.method === 'POST')?.body).not.toHaveProperty('startingBalance');
  });

  it('lists past runs and opens one', async () => {
    mockApi((call) => {
      if (call.url === '/api/backtests/catalog') return { status: 200, body: { strategies: [SMA], bundledFiles: [], perpetualFiles: [] } };
      if (call.url.startsWith('/api/settings/connections?')) return { status: 200, body: { items: [], total: 0, limit: 50, offset: 0 } };
      if (call.url.startsWith('/api/backtests?')) return { status: 200, body: { items: [{ ...DONE, result: undefined, progress: undefined }], total: 1 } };
      if (call.url === `/api/backtests/${DONE.id}`) return { status: 200, body: DONE };
      return undefined;
    });
    const user = userEvent.setup();
    renderWithClient(<BacktestsPage />);
    const list = await screen.findByRole('list', { name: 'Past backtests' });
    const run = within(list).getByRole('button', { name: /sma-crossover · XRP\/USDT:USDT/ });
    expect(run.textContent).toContain('-1.30 (-0.13 %) · 6 trades · DD 0.58 %');
    await user.click(run);
    expect(window.location.pathname).toBe(`/backtests/${DONE.id}`);
    expect(await screen.findByTestId('backtest-report')).toBeTruthy();
    expect(run.getAttribute('aria-current')).toBe('true');
  });
});
