import type { EnginePairsStatus, OrderRecord, PnlSummary, PositionSnapshot } from '../../api/engine-types';
import { absoluteTime } from '../../format';
import { formatDecimal, pnlClass, signed } from './format';
import { describePairList, pairsSummary } from './pairs';

interface PairsPanelProps {
  pairs: EnginePairsStatus;
  positions: readonly PositionSnapshot[];
  openOrders: readonly OrderRecord[];
  pnl: PnlSummary;
  /** The pair the price chart shows. */
  chartSymbol: string | null;
  onChart: (symbol: string) => void;
}

/**
 * A multi-pair bot's pairs, one row each with its position, PnL, open orders and slot, and the
 * totals. The table scrolls inside its panel (both ways), so 50 pairs never widen or lengthen the page.
 */
export function PairsPanel({ pairs, positions, openOrders, pnl, chartSymbol, onChart }: PairsPanelProps) {
  const bySymbol = new Map(positions.map((p) => [p.symbol, p]));
  const ordersBySymbol = new Map<string, number>();
  for (const o of openOrders) ordersBySymbol.set(o.symbol, (ordersBySymbol.get(o.symbol) ?? 0) + 1);
  return (
    <section className="panel pairs-panel" aria-labelledby="pairs-title">
      <h2 id="pairs-title">Pairs</h2>
      <p className="pairs-panel__summary" data-testid="pairs-summary">
        {pairsSummary(pairs, absoluteTime)}
      </p>
      <p className="muted small">{describePairList(pairs.pairList)}</p>
      {pairs.pairs.length === 0 ? (
        <p className="muted small">No pair on the list yet.</p>
      ) : (
        <div className="table-scroll pairs-panel__scroll">
          <table className="table pairs-table" aria-label="Pairs of this bot">
            <thead>
              <tr>
                <th scope="col">Symbol</th>
                <th scope="col">Role</th>
                <th scope="col" className="num">Position</th>
                <th scope="col" className="num">Avg entry</th>
                <th scope="col" className="num">Last price</th>
                <th scope="col" className="num">Unrealized</th>
                <th scope="col" className="num">Realized</th>
                <th scope="col" className="num">Net PnL</th>
                <th scope="col" className="num">Open orders</th>
                <th scope="col">Slot</th>
              </tr>
            </thead>
            <tbody>
              {pairs.pairs.map((pair) => {
                const position = bySymbol.get(pair.symbol);
                return (
                  <tr key={pair.symbol} className={pair.symbol === chartSymbol ? 'pairs-table__row--charted' : undefined}>
                    <th scope="row">
                      <button type="button" className="link-button" aria-pressed={pair.symbol === chartSymbol} title="Show on the price chart" onClick={() => onChart(pair.symbol)}>
                        {pair.symbol}
                      </button>
                    </th>
                    <td title={pair.role === 'managed' ? 'Left the list while held: exits only, until flat' : undefined}>{pair.role === 'managed' ? 'managed (exits only)' : 'tradable'}</td>
                    <td className="num">{position ? formatDecimal(position.quantity) : '—'}</td>
                    <td className="num">{formatDecimal(position?.averageEntryPrice)}</td>
                    <td className="num" title={pair.lastCandleAt ? `candle closing ${pair.lastCandleAt}` : undefined}>
                      {formatDecimal(pair.lastPrice ?? position?.markPrice)}
                    </td>
                    <Money value={position?.unrealizedPnl} />
                    <Money value={position?.realizedPnl} />
                    <Money value={position?.netPnl} />
                    <td className="num">{ordersBySymbol.get(pair.symbol) ?? 0}</td>
                    <td>{pair.holdsSlot ? 'holds a slot' : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Total</th>
                <td colSpan={4} className="muted small">
                  every position of the connection
                </td>
                <Money value={pnl.unrealizedPnl} />
                <Money value={pnl.realizedPnl} />
                <Money value={pnl.netPnl} />
                <td className="num">{openOrders.length}</td>
                <td>
                  {pairs.openTrades} / {pairs.maxOpenTrades}
                </td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
      {pairs.rejected.length > 0 ? (
        <details className="disclosure pairs-panel__rejected">
          <summary>Rejected markets ({pairs.rejected.length})</summary>
          <ul className="pairs-panel__rejected-list">
            {pairs.rejected.map((r) => (
              <li key={r.symbol}>
                <strong>{r.symbol}</strong>: {r.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

function Money({ value }: { value: string | null | undefined }) {
  return <td className={`num ${pnlClass(value)}`}>{value === undefined || value === null ? '—' : signed(value, 6)}</td>;
}
