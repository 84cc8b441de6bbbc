// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EnginePanel } from '../../web/src/features/live-trading/EnginePanel';
import { INITIAL_LIVE } from '../../web/src/features/live-trading/live-model';
import { PairsPanel } from '../../web/src/features/live-trading/PairsPanel';
import { absoluteTime } from '../../web/src/format';
import { multiPairStatus } from './live-trading-fixtures';
import { connection, mockApi, renderWithClient } from './support';

// The chart draws on a canvas jsdom does not have.
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

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const cells = (row: HTMLElement): string[] => [...row.querySelectorAll('th, td')].map((c) => c.textContent ?? '');

describe('the pairs of a multi-pair bot', () => {
  it('shows 50 pairs in one table that scrolls inside its panel, with positions, orders, slots and the totals', () => {
    const status = multiPairStatus(50);
    const pairs = status.pairs;
    if (!pairs) throw new Error('fixture without pairs');
    render(<PairsPanel pairs={pairs} positions={status.positions} openOrders={status.openOrders} pnl={status.pnl} chartSymbol={null} onChart={() => undefined} />);

    expect(screen.getByTestId('pairs-summary').textContent).toBe(`50 pairs · open trades 3 / 5 · list built at ${absoluteTime('2026-12-02T03:30:00.000Z')}`);
    const table = screen.getByRole('table', { name: 'Pairs of this bot' });
    expect(table.parentElement?.classList.contains('table-scroll')).toBe(true);
    expect(table.parentElement?.classList.contains('pairs-panel__scroll')).toBe(true);
    const [body, foot] = [table.querySelector('tbody'), table.querySelector('tfoot')];
    const rows = within(body as HTMLElement).getAllByRole('row');
    expect(rows).toHaveLength(50);
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      'Symbol',
      'Role',
      'Position',
      'Avg entry',
      'Last price',
      'Unrealized',
      'Realized',
      'Net PnL',
      'Open orders',
      'Slot',
    ]);
    expect(cells(rows[0] as HTMLElement)).toEqual(['C01/USDT', 'tradable', '10', '1.25', '1.5', '+2.5', '-1.5', '+0.9', '0', 'holds a slot']);
    expect(cells(rows[1] as HTMLElement)).toEqual(['C02/USDT', 'tradable', '20', '2.25', '2.5', '+5', '0', '+4.9', '1', 'holds a slot']);
    expect(cells(rows[10] as HTMLElement)).toEqual(['C11/USDT', 'tradable', '—', '—', '11.5', '—', '—', '—', '0', '—']);
    expect(cells(rows[49] as HTMLElement)[1]).toBe('managed (exits only)');
    expect(cells(within(foot as HTMLElement).getByRole('row'))).toEqual(['Total', 'every position of the connection', '+15', '-1.5', '+13.2', '1', '3 / 5']);

    const rejected = screen.getByText('Rejected markets (2)').closest('details') as HTMLDetailsElement;
    expect(rejected.open).toBe(false);
    expect(rejected.textContent).toContain('ETH/BTC: not quoted in USDT');
  });

  it('says when the list is not built yet and how a dynamic list is chosen', () => {
    const status = multiPairStatus(2);
    const pairs = status.pairs;
    if (!pairs) throw new Error('fixture without pairs');
    const dynamic = { ...pairs, builtAt: null, rejected: [], pairList: { kind: 'dynamic' as const, topN: 10, quote: 'USDT', refreshMs: 1_800_000, minQuoteVolume: '1000000', blacklist: ['BNB/*'] } };
    render(<PairsPanel pairs={dynamic} positions={[]} openOrders={[]} pnl={status.pnl} chartSymbol={null} onChart={() => undefined} />);
    expect(screen.getByTestId('pairs-summary').textContent).toBe('2 pairs · open trades 3 / 5 · list not built yet');
    expect(screen.getByText('The top 10 USDT pairs by 24 h quote volume (24 h quote volume at least 1000000), rebuilt every 30 min. Blacklist: BNB/*.')).toBeTruthy();
    expect(screen.queryByText(/Rejected markets/)).toBeNull();
  });

  it('shows the bot on the live page with its pair list instead of a symbol, and charts the pair chosen in the table', async () => {
    const status = multiPairStatus(50);
    const main = connection({ id: 'main', name: 'Binance main' });
    mockApi((call) => {
      if (call.url === '/api/trade-engine/status/multi') return { status: 200, body: status };
      if (call.url.startsWith('/api/trade-engine/orders/multi')) return { status: 200, body: { items: [] } };
      if (call.url.startsWith('/api/trade-engine/trades/multi')) return { status: 200, body: { items: [] } };
      return undefined;
    });
    const user = userEvent.setup();
    renderWithClient(<EnginePanel engineId="multi" connection={main} connections={[main]} live={INITIAL_LIVE} />);
    const panel = await screen.findByRole('region', { name: 'Bot sma-crossover on Binance main' });
    const facts = within(panel).getByText('Pairs').closest('div') as HTMLElement;
    expect(facts.textContent).toBe('Pairs50 pairs · 1h');
    expect(within(panel).queryByText('Symbol')).toBeNull();
    expect(within(panel).queryByText('Last price')).toBeNull();
    expect(screen.getByRole('heading', { name: 'Price · C01/USDT' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'C02/USDT' }));
    expect(screen.getByRole('heading', { name: 'Price · C02/USDT' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'C02/USDT' }).getAttribute('aria-pressed')).toBe('true');
  });
});
