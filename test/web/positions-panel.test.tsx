// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { PnlSummary, PositionSnapshot } from '../../web/src/api/engine-types';
import { PositionsPanel } from '../../web/src/features/live-trading/PositionsPanel';

const dust: PositionSnapshot = {
  symbol: 'XRP/USDT',
  side: 'long',
  quantity: '0.0531',
  averageEntryPrice: '0.5',
  cost: '0.02655',
  realizedPnl: '1.2',
  unrealizedPnl: '0.0001',
  fees: '0.1',
  baseFees: '0.05',
  netPnl: '1.1001',
  markPrice: '0.502',
  dust: true,
  markTime: '2026-01-01T10:00:00.000Z',
};

const unpriced: PositionSnapshot = { ...dust, symbol: 'BTC/USDT', side: 'long', quantity: '0.01', dust: false, markPrice: null, markTime: null, unrealizedPnl: '0' };

afterEach(cleanup);

describe('positions panel', () => {
  it('labels dust as dust (not long) and says which positions have no known price', () => {
    const pnl: PnlSummary = { realizedPnl: '1.2', unrealizedPnl: '0.0001', fees: '0.1', netPnl: '1.1001', unpricedSymbols: ['BTC/USDT'] };
    render(<PositionsPanel positions={[dust, unpriced]} pnl={pnl} />);
    const rows = within(screen.getByRole('table', { name: 'Positions' })).getAllByRole('row');
    expect(rows[1]?.textContent).toContain('dust');
    expect(rows[1]?.textContent).not.toContain('long');
    expect(rows[2]?.textContent).toContain('long');
    expect(screen.getByRole('status').textContent).toMatch(/No known price for BTC\/USDT/);
  });

  it('shows no price notice when every position has a mark', () => {
    render(<PositionsPanel positions={[dust]} pnl={{ realizedPnl: '0', unrealizedPnl: '0', fees: '0', netPnl: '0', unpricedSymbols: [] }} />);
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('shows the leverage and the estimated liquidation price of a perpetual, and no such columns for spot', () => {
    const pnl: PnlSummary = { realizedPnl: '0', unrealizedPnl: '0', fees: '0', netPnl: '0', unpricedSymbols: [] };
    const short: PositionSnapshot = { ...unpriced, symbol: 'BTC/USDT:USDT', side: 'short', quantity: '-0.1', averageEntryPrice: '30000', markPrice: '30000', leverage: '5', liquidationPrice: '35643.5' };
    render(<PositionsPanel positions={[short]} pnl={pnl} />);
    const table = screen.getByRole('table', { name: 'Positions' });
    expect(within(table).getByRole('columnheader', { name: 'Liq. price (est.)' })).toBeTruthy();
    expect(within(table).getAllByRole('row')[1]?.textContent).toMatch(/5×.*35,?643\.5/);
    cleanup();
    render(<PositionsPanel positions={[dust]} pnl={pnl} />);
    expect(within(screen.getByRole('table', { name: 'Positions' })).queryByRole('columnheader', { name: 'Liq. price (est.)' })).toBeNull();
  });

  it('shows funding apart in the PnL breakdown and on a perpetual position, and none for spot', () => {
    const pnl: PnlSummary = { realizedPnl: '-12', unrealizedPnl: '4', fees: '1.5', funding: '0.3', netPnl: '-9.2', unpricedSymbols: [] };
    const short: PositionSnapshot = { ...unpriced, symbol: 'BTC/USDT:USDT', side: 'short', quantity: '-0.1', averageEntryPrice: '30000', markPrice: '29960', leverage: '5', liquidationPrice: '35643.5', funding: '0.3' };
    render(<PositionsPanel positions={[short]} pnl={pnl} />);
    expect(screen.getByLabelText('Profit and loss').textContent).toMatch(/Funding\+0\.3/);
    const table = screen.getByRole('table', { name: 'Positions' });
    expect(within(table).getByRole('columnheader', { name: 'Funding' })).toBeTruthy();
    expect(within(table).getAllByRole('row')[1]?.textContent).toMatch(/\+0\.3.*5×/);
    cleanup();
    render(<PositionsPanel positions={[dust]} pnl={{ realizedPnl: '0', unrealizedPnl: '0', fees: '0', netPnl: '0', unpricedSymbols: [] }} />);
    expect(screen.getByLabelText('Profit and loss').textContent).not.toMatch(/Funding/);
  });

  it("shows a perpetual's margin, and whether its mark is the exchange's mark price or the last price", () => {
    const pnl: PnlSummary = { realizedPnl: '0', unrealizedPnl: '-4', fees: '0', netPnl: '-4', unpricedSymbols: [] };
    const short: PositionSnapshot = { ...unpriced, symbol: 'BTC/USDT:USDT', side: 'short', quantity: '-0.1', cost: '-3000', averageEntryPrice: '30000', markPrice: '30040', markTime: '2026-03-01T08:00:00.000Z', markSource: 'mark', leverage: '5', margin: '600', liquidationPrice: '35643.5' };
    render(<PositionsPanel positions={[short]} pnl={pnl} />);
    const table = screen.getByRole('table', { name: 'Positions' });
    expect(within(table).getByRole('columnheader', { name: 'Margin' })).toBeTruthy();
    const row = within(table).getAllByRole('row')[1];
    expect(row?.textContent).toMatch(/30,?040 mark.*5×600/);
    expect(within(row as HTMLElement).getByTitle("the exchange's mark price, read 2026-03-01T08:00:00.000Z")).toBeTruthy();
    cleanup();
    render(<PositionsPanel positions={[{ ...short, markSource: 'last' }]} pnl={pnl} />);
    expect(within(screen.getByRole('table', { name: 'Positions' })).getAllByRole('row')[1]?.textContent).not.toMatch(/ mark/);
  });

  it('says plainly when the exchange and the books disagree on a perpetual, and that its orders are held', () => {
    const pnl: PnlSummary = { realizedPnl: '0', unrealizedPnl: '0', fees: '0', netPnl: '0', unpricedSymbols: [] };
    render(<PositionsPanel positions={[]} pnl={pnl} gaps={[{ symbol: 'BTC/USDT:USDT', ours: '-0.1', exchange: '-0.05' }]} />);
    expect(screen.getByRole('alert').textContent).toMatch(/^BTC\/USDT:USDT: the exchange reports a position of -0\.05, the bot's books -0\.1\. No order of this pair goes out until they agree/);
  });
});
