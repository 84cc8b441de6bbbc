// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BacktestCatalog, PerpetualPairFiles } from '../../web/src/api/engine-types';
import { BacktestsPage } from '../../web/src/features/backtests/BacktestsPage';
import { SMA } from './live-trading-fixtures';
import { mockApi, problem, renderWithClient, type Call } from './support';

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

/** The catalog's perpetualFiles as the server lists the bundled data/ (GET /api/backtests/catalog), plus a second mark file of 4h candles. */
const XRP_FILES: PerpetualPairFiles = {
  symbol: 'XRP/USDT:USDT',
  funding: [{ file: 'XRP_USDT_USDT-8h-funding_rate.csv', interval: '8h', rows: 91, from: '2021-11-18T00:00:00.000Z', to: '2021-12-18T00:00:00.000Z' }],
  mark: [
    { file: 'XRP_USDT_USDT-1h-mark.csv', interval: '1h', rows: 100, from: '2021-11-15T06:00:00.000Z', to: '2021-11-19T10:00:00.000Z' },
    { file: 'XRP_USDT_USDT-4h-mark.csv', interval: '4h', rows: 0, from: null, to: null, problem: 'XRP_USDT_USDT-4h-mark.csv: 1 problem(s): line 2: close "x" is not a number' },
  ],
};
const CATALOG: BacktestCatalog = { strategies: [SMA], bundledFiles: ['ETH_BTC-1m.csv', 'XRP_USDT_USDT-1h-futures.csv'], perpetualFiles: [XRP_FILES] };

function api(post: (call: Call) => { status: number; body: unknown } = () => ({ status: 202, body: { id: '01J00000000000000000000PRP' } })) {
  return mockApi((call) => {
    if (call.url === '/api/backtests/catalog') return { status: 200, body: CATALOG };
    if (call.url.startsWith('/api/settings/connections?')) return { status: 200, body: { items: [], total: 0, limit: 50, offset: 0 } };
    if (call.url.startsWith('/api/backtests?')) return { status: 200, body: { items: [], total: 0 } };
    if (call.method === 'POST' && call.url === '/api/backtests') return post(call);
    return undefined;
  });
}

const posted = (calls: readonly Call[]) => calls.find((c) => c.method === 'POST')?.body as Record<string, unknown> | undefined;

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('backtest form on a perpetual', () => {
  beforeEach(() => window.history.replaceState(null, '', '/backtests'));

  it("offers the pair's funding and mark files with the time they cover, defaults to them, and sends them with leverage and margin", async () => {
    const server = api();
    const user = userEvent.setup();
    renderWithClient(<BacktestsPage />);
    const form = await screen.findByRole('form', { name: 'New backtest' });
    // The first file is a spot pair: nothing of a perpetual is asked.
    expect(within(form).queryByLabelText('Funding rates')).toBeNull();
    expect(within(form).queryByRole('group', { name: 'Perpetual: leverage and margin' })).toBeNull();
    await user.selectOptions(within(form).getByLabelText('Data file'), 'XRP_USDT_USDT-1h-futures.csv');

    const funding = within(form).getByLabelText('Funding rates') as HTMLSelectElement;
    expect(funding.value).toBe('XRP_USDT_USDT-8h-funding_rate.csv');
    expect([...funding.options].map((o) => o.textContent)).toEqual(['XRP_USDT_USDT-8h-funding_rate.csv — 91 rates every 8h, 2021-11-18 00:00 → 2021-12-18 00:00 UTC', 'None (no funding)']);
    expect(document.getElementById('bt-funding-hint')?.textContent).toBe('91 rates every 8h, 2021-11-18 00:00 → 2021-12-18 00:00 UTC. Funding is booked at each settlement from it.');
    expect(document.getElementById('bt-mark-hint')?.textContent).toBe(
      '100 candles of 1h, 2021-11-15 06:00 → 2021-11-19 10:00 UTC. Liquidations and funding are priced at its marks; where it has no candle, at the candles’ own prices.',
    );
    const mark = within(form).getByLabelText('Mark prices') as HTMLSelectElement;
    expect(mark.value).toBe('XRP_USDT_USDT-1h-mark.csv');
    expect([...mark.options].map((o) => [o.textContent, o.disabled])).toEqual([
      ['XRP_USDT_USDT-1h-mark.csv — 100 candles of 1h, 2021-11-15 06:00 → 2021-11-19 10:00 UTC', false],
      ['XRP_USDT_USDT-4h-mark.csv — unreadable: XRP_USDT_USDT-4h-mark.csv: 1 problem(s): line 2: close "x" is not a number', true],
      ['None (the candles’ prices)', false],
    ]);

    // Leverage, margin mode and liquidation buffer in their own group (the live start form's), not among the risk limits.
    const group = within(form).getByRole('group', { name: 'Perpetual: leverage and margin' });
    await user.click(within(form).getByText(/^Risk limits/));
    const riskLimits = within(form).getByText(/^Risk limits/).closest('details') as HTMLElement;
    expect(within(riskLimits).queryByLabelText('Leverage')).toBeNull();
    await user.type(within(group).getByLabelText('Leverage'), '5');
    await user.selectOptions(within(group).getByLabelText('Margin mode'), 'isolated');
    await user.type(within(group).getByLabelText('Liquidation buffer %'), '2');
    await user.click(within(riskLimits).getByLabelText('Allow short'));
    await user.click(within(form).getByRole('button', { name: 'Run backtest' }));

    await waitFor(() => expect(posted(server.calls)).toBeDefined());
    expect(posted(server.calls)).toMatchObject({
      data: { source: 'bundled', file: 'XRP_USDT_USDT-1h-futures.csv' },
      funding: { source: 'bundled', file: 'XRP_USDT_USDT-8h-funding_rate.csv' },
      mark: { source: 'bundled', file: 'XRP_USDT_USDT-1h-mark.csv' },
      risk: { leverage: '5', marginMode: 'isolated', liquidationBufferPct: 2, allowShort: true },
    });
  });

  it('sends none for funding and mark when chosen', async () => {
    const server = api();
    const user = userEvent.setup();
    renderWithClient(<BacktestsPage />);
    const form = await screen.findByRole('form', { name: 'New backtest' });
    await user.selectOptions(within(form).getByLabelText('Data file'), 'XRP_USDT_USDT-1h-futures.csv');
    await user.selectOptions(within(form).getByLabelText('Funding rates'), 'none');
    await user.selectOptions(within(form).getByLabelText('Mark prices'), 'none');
    expect(document.getElementById('bt-funding-hint')?.textContent).toBe('None: no funding is booked, and the report says so.');
    expect(document.getElementById('bt-mark-hint')?.textContent).toBe('None: each candle’s own prices stand in.');
    await user.click(within(form).getByRole('button', { name: 'Run backtest' }));
    await waitFor(() => expect(posted(server.calls)).toBeDefined());
    expect(posted(server.calls)).toMatchObject({ funding: { source: 'none' }, mark: { source: 'none' } });
  });

  it('hides the perpetual fields for a spot pair and sends none of them, even after they were set', async () => {
    const server = api();
    const user = userEvent.setup();
    renderWithClient(<BacktestsPage />);
    const form = await screen.findByRole('form', { name: 'New backtest' });
    await user.selectOptions(within(form).getByLabelText('Data file'), 'XRP_USDT_USDT-1h-futures.csv');
    await user.type(within(form).getByLabelText('Leverage'), '5');
    // The same candles traded as the spot pair.
    await user.type(within(form).getByLabelText('Symbol'), 'XRP/USDT');
    expect(within(form).queryByLabelText('Funding rates')).toBeNull();
    expect(within(form).queryByLabelText('Mark prices')).toBeNull();
    expect(within(form).queryByLabelText('Leverage')).toBeNull();
    await user.click(within(form).getByRole('button', { name: 'Run backtest' }));
    await waitFor(() => expect(posted(server.calls)).toBeDefined());
    const body = posted(server.calls) ?? {};
    expect(body).not.toHaveProperty('funding');
    expect(body).not.toHaveProperty('mark');
    expect(body.risk).not.toHaveProperty('leverage');
    expect(body.symbol).toBe('XRP/USDT');
  });

  it("says when data/ has no files for the pair, and leaves funding and mark to the server's default", async () => {
    const server = api();
    const user = userEvent.setup();
    renderWithClient(<BacktestsPage />);
    const form = await screen.findByRole('form', { name: 'New backtest' });
    await user.selectOptions(within(form).getByLabelText('Data file'), 'XRP_USDT_USDT-1h-futures.csv');
    await user.type(within(form).getByLabelText('Symbol'), 'BTC/USDT:USDT');
    expect((within(form).getByLabelText('Funding rates') as HTMLSelectElement).value).toBe('none');
    expect(within(form).getByText('data/ has no funding-rate file for BTC/USDT:USDT: no funding is booked, and the report says so.')).toBeTruthy();
    expect(within(form).getByText('data/ has no mark-price file for BTC/USDT:USDT: each candle’s own prices stand in.')).toBeTruthy();
    await user.click(within(form).getByRole('button', { name: 'Run backtest' }));
    await waitFor(() => expect(posted(server.calls)).toBeDefined());
    expect(posted(server.calls)).not.toHaveProperty('funding');
    expect(posted(server.calls)).not.toHaveProperty('mark');
  });

  it('starts uploaded candles with no funding or mark file, and sends a bundled one when chosen', async () => {
    const server = api();
    const user = userEvent.setup();
    renderWithClient(<BacktestsPage />);
    const form = await screen.findByRole('form', { name: 'New backtest' });
    await user.click(within(form).getByLabelText('Upload CSV'));
    const csv = 'timestamp_ms,open,high,low,close,volume\n';
    // jsdom's File has no text(); the browser's does.
    const upload = Object.assign(new File([csv], 'mine.csv', { type: 'text/csv' }), { text: () => Promise.resolve(csv) });
    await user.upload(within(form).getByLabelText('CSV file'), upload);
    expect(within(form).queryByLabelText('Funding rates')).toBeNull();
    await user.type(within(form).getByLabelText('Symbol'), 'XRP/USDT:USDT');
    expect((within(form).getByLabelText('Funding rates') as HTMLSelectElement).value).toBe('none');
    expect((within(form).getByLabelText('Mark prices') as HTMLSelectElement).value).toBe('none');
    await user.selectOptions(within(form).getByLabelText('Funding rates'), 'XRP_USDT_USDT-8h-funding_rate.csv');
    await user.click(within(form).getByRole('button', { name: 'Run backtest' }));
    await waitFor(() => expect(posted(server.calls)).toBeDefined());
    expect(posted(server.calls)).toMatchObject({
      symbol: 'XRP/USDT:USDT',
      data: { source: 'csv', name: 'mine.csv' },
      funding: { source: 'bundled', file: 'XRP_USDT_USDT-8h-funding_rate.csv' },
      mark: { source: 'none' },
    });
  });

  it("shows the server's refusal of a mark file in words, on the mark field", async () => {
    api(() => ({
      status: 400,
      body: problem(400, "Mark prices XRP_USDT_USDT-1h-mark.csv are 1 h candles: they must be as fine as the run's 30m candles (or finer, evenly)", [{ path: 'mark', message: 'timeframe does not fit the run' }]),
    }));
    const user = userEvent.setup();
    renderWithClient(<BacktestsPage />);
    const form = await screen.findByRole('form', { name: 'New backtest' });
    await user.selectOptions(within(form).getByLabelText('Data file'), 'XRP_USDT_USDT-1h-futures.csv');
    await user.click(within(form).getByRole('button', { name: 'Run backtest' }));
    expect((await within(form).findByRole('alert')).textContent).toBe(
      "Could not start the backtest: Mark prices XRP_USDT_USDT-1h-mark.csv are 1 h candles: they must be as fine as the run's 30m candles (or finer, evenly)",
    );
    expect(within(form).getByText('timeframe does not fit the run')).toBeTruthy();
    expect(within(form).getByLabelText('Mark prices').getAttribute('aria-invalid')).toBe('true');
    expect(within(form).getByLabelText('Funding rates').getAttribute('aria-invalid')).toBeNull();
  });
});
