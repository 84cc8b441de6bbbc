// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MultiPairReport } from '../../web/src/api/engine-types';
import { BacktestReportView } from '../../web/src/features/backtests/BacktestReportView';
import { BacktestsPage } from '../../web/src/features/backtests/BacktestsPage';
import multi from './backtest-multi-fixture.json';
import { SMA } from './live-trading-fixtures';
import { mockApi, renderWithClient } from './support';

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

/** A real multi-pair report (`npm run backtest -- --symbols ADA/BTC,ETH/BTC,XLM/BTC --timeframe 1m … --json`), trimmed to 3 trades. */
const REPORT = multi as MultiPairReport;

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('multi-pair backtest report', () => {
  it('shows the pairs table beside the totals, and the pair of each trade', () => {
    render(<BacktestReportView report={REPORT} />);
    expect(screen.getByRole('heading', { name: /rsi-mean-reversion on 3 pairs · 1m/ })).toBeTruthy();
    const rows = within(screen.getByRole('table', { name: 'Pairs' })).getAllByRole('row');
    expect(rows.map((r) => within(r).queryByRole('rowheader')?.textContent ?? 'head')).toEqual(['head', 'ADA/BTC', 'ETH/BTC', 'XLM/BTC']);
    expect(rows[1]?.textContent).toContain('-0.00679293');
    expect(screen.getByText(/max open trades 2 \(at most 2 at once\)/)).toBeTruthy();
    const trades = within(screen.getByRole('table', { name: 'Trades' }));
    expect(trades.getByRole('columnheader', { name: 'Pair' })).toBeTruthy();
    expect(trades.getAllByRole('row')[1]?.textContent).toContain(REPORT.trades[0]?.symbol ?? 'missing');
  });
});

describe('multi-pair backtest form', () => {
  beforeEach(() => window.history.replaceState(null, '', '/backtests'));

  it('sends further bundled files as pairs of one run, with max open trades', async () => {
    const api = mockApi((call) => {
      if (call.url === '/api/backtests/catalog') return { status: 200, body: { strategies: [SMA], bundledFiles: ['ADA_BTC-1m.csv', 'ETH_BTC-1m.csv', 'XLM_BTC-1m.csv'], perpetualFiles: [] } };
      if (call.url.startsWith('/api/settings/connections?')) return { status: 200, body: { items: [], total: 0, limit: 50, offset: 0 } };
      if (call.url.startsWith('/api/backtests?')) return { status: 200, body: { items: [], total: 0 } };
      if (call.method === 'POST' && call.url === '/api/backtests') return { status: 202, body: { id: '01J0000000000000000000MULT' } };
      return undefined;
    });
    const user = userEvent.setup();
    renderWithClient(<BacktestsPage />);
    const form = await screen.findByRole('form', { name: 'New backtest' });
    expect(within(form).queryByLabelText('Max open trades')).toBeNull();
    await user.click(within(form).getByLabelText('XLM_BTC-1m.csv'));
    await user.click(within(form).getByLabelText('ETH_BTC-1m.csv'));
    await user.type(within(form).getByLabelText('Max open trades'), '2');
    await user.click(within(form).getByRole('button', { name: 'Run backtest' }));
    await waitFor(() => expect(api.calls.some((c) => c.method === 'POST')).toBe(true));
    expect(api.calls.find((c) => c.method === 'POST')?.body).toMatchObject({
      data: { source: 'bundled', files: ['ADA_BTC-1m.csv', 'XLM_BTC-1m.csv', 'ETH_BTC-1m.csv'] },
      maxOpenTrades: 2,
    });
  });
});
