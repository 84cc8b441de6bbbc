// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BacktestReport, BacktestView } from '../../web/src/api/engine-types';
import { BacktestReportView } from '../../web/src/features/backtests/BacktestReportView';
import { derivativesFigures, percentOf } from '../../web/src/features/backtests/DerivativesPanel';
import perpetual from './backtest-perp-fixture.json';
import completed from './backtest-fixture.json';

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

/**
 * A real report (GET /api/backtests/{id}) of dca at 20× isolated on the bundled XRP/USDT:USDT candles
 * from 2021-11-18, with the bundled funding rates and mark prices: 7 funding payments and one
 * liquidation (equity curve trimmed to 5 points).
 */
const REPORT = (perpetual as BacktestView).result as BacktestReport;
const SPOT_ERA = (completed as BacktestView).result as BacktestReport;

afterEach(cleanup);

describe('backtest report of a perpetual', () => {
  it('derives trading PnL, fees and funding apart, with what they add up to', () => {
    expect(derivativesFigures(REPORT.derivatives as NonNullable<BacktestReport['derivatives']>).map((m) => [m.label, m.value, m.sub ?? ''])).toEqual([
      ['Trading PnL', '+40.4258', 'realized · -33.6070 unrealized'],
      ['Fees', '14.9623', '7.6848 liquidation fees'],
      ['Funding', '-0.8052', '7 payments every 8 h · paid 0.8052 · received 0.0000'],
      ['Net PnL', '-8.9487', 'trading − fees + funding'],
      ['Liquidations', '1', 'margin lost 40.0416'],
      ['Mark prices', '34 / 77', 'candles with the mark'],
    ]);
    expect([percentOf('0.00013046'), percentOf('-0.0002'), percentOf('0.01'), percentOf('0'), percentOf('1.5')]).toEqual(['0.013046', '-0.02', '1', '0', '150']);
  });

  it('shows the perpetual section: leverage, funding source, every payment, the liquidation, and marks the liquidated trade', async () => {
    render(<BacktestReportView report={REPORT} />);
    const section = screen.getByTestId('backtest-derivatives');
    expect(within(section).getByRole('heading', { name: 'Perpetual · 20× isolated' })).toBeTruthy();
    const figures = within(section).getByLabelText('Perpetual figures');
    expect(within(figures).getByText('Funding').nextElementSibling?.textContent).toBe('-0.80527 payments every 8 h · paid 0.8052 · received 0.0000');
    expect(within(section).getByText(/^Funding: XRP_USDT_USDT-8h-funding_rate\.csv \(bundled; 91 rates every 8 h/).textContent).toContain('3 priced at the mark, 4 at the candles\' price.');

    const liquidations = within(section).getByRole('table', { name: 'Liquidations' });
    const row = within(liquidations).getAllByRole('row')[1] as HTMLElement;
    expect(within(row).getByText('long')).toBeTruthy();
    expect(within(row).getByText('1.05463337')).toBeTruthy();
    expect(within(row).getByText('40.0416')).toBeTruthy();

    await userEvent.setup().click(within(section).getByText('Funding payments (7)'));
    const payments = within(section).getByRole('table', { name: 'Funding payments' });
    const rows = within(payments).getAllByRole('row');
    expect(rows).toHaveLength(8);
    expect((rows[4] as HTMLElement).textContent).toContain('0.013046 %');
    expect((rows[1] as HTMLElement).textContent).toContain('1.10725 mark');
    expect((rows[4] as HTMLElement).textContent).toContain('1.0897 candle');

    const trades = screen.getByRole('table', { name: 'Trades' });
    expect(within(trades).getByRole('columnheader', { name: 'Funding' })).toBeTruthy();
    const liquidated = within(trades).getAllByRole('row')[2] as HTMLElement;
    expect(within(liquidated).getByText('liquidated')).toBeTruthy();
    expect(within(liquidated).getByText('-0.0398')).toBeTruthy();
  });

  it('says when a perpetual run had no funding data', () => {
    const derivatives = REPORT.derivatives as NonNullable<BacktestReport['derivatives']>;
    const none = { ...REPORT, derivatives: { ...derivatives, funding: { ...derivatives.funding, source: null, count: 0, payments: [], note: 'No funding data for XRP/USDT:USDT: no funding is booked.' } } };
    render(<BacktestReportView report={none} />);
    expect(screen.getByRole('status').textContent).toBe('Funding: No funding data for XRP/USDT:USDT: no funding is booked.');
    expect(screen.queryByText(/^Funding payments/)).toBeNull();
  });

  it('shows no perpetual section for a report without one (spot, or stored before)', () => {
    render(<BacktestReportView report={SPOT_ERA} />);
    expect(screen.queryByTestId('backtest-derivatives')).toBeNull();
    expect(within(screen.getByRole('table', { name: 'Trades' })).queryByRole('columnheader', { name: 'Funding' })).toBeNull();
  });
});
