import type { ReportTrade } from '../../api/engine-types';
import { formatDecimal, pnlClass, signed } from '../live-trading/format';

const shortTime = (iso: string): string => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
};

/** A trade of either report kind: a multi-pair run's trades name their pair. */
type ListedTrade = ReportTrade & { symbol?: string };

/** Round trips of a backtest (entry to flat), as the report lists them. */
export function TradeTable({ trades }: { trades: readonly ListedTrade[] }) {
  if (trades.length === 0) return <p className="muted small">The strategy made no trade in this period.</p>;
  const pairs = trades.some((t) => t.symbol !== undefined);
  // A perpetual's trades carry the funding paid or received while open (it is in their PnL).
  const funding = trades.some((t) => t.funding !== undefined);
  return (
    <div className="table-scroll table-scroll--tall">
      <table className="table" aria-label="Trades">
        <thead>
          <tr>
            <th scope="col">#</th>
            {pairs ? <th scope="col">Pair</th> : null}
            <th scope="col">Side</th>
            <th scope="col">Entry</th>
            <th scope="col" className="num">Entry price</th>
            <th scope="col">Exit</th>
            <th scope="col" className="num">Exit price</th>
            <th scope="col" className="num">Size</th>
            <th scope="col" className="num">Fee</th>
            {funding ? <th scope="col" className="num">Funding</th> : null}
            <th scope="col" className="num">PnL</th>
          </tr>
        </thead>
        <tbody>
          {trades.map((t) => (
            <tr key={t.id} title={[t.entryReason, t.exitReason].filter(Boolean).join(' → ')}>
              <td>{t.id}</td>
              {pairs ? <td>{t.symbol}</td> : null}
              <td>
                <span className={`side side--${t.side}`}>{t.side}</span>
              </td>
              <td>{shortTime(t.entryTime)}</td>
              <td className="num">{formatDecimal(t.entryPrice, 6)}</td>
              <td>
                {t.exitTime ? shortTime(t.exitTime) : <span className="muted">open</span>}
                {t.fills.some((f) => f.liquidation === true) ? <span className="side side--short"> liquidated</span> : null}
              </td>
              <td className="num">{formatDecimal(t.exitPrice, 6)}</td>
              <td className="num">{formatDecimal(t.size, 6)}</td>
              <td className="num">{formatDecimal(t.fee, 4)}</td>
              {funding ? <td className={`num ${pnlClass(t.funding)}`}>{signed(t.funding, 4)}</td> : null}
              <td className={`num ${pnlClass(t.pnl)}`}>{signed(t.pnl, 4)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
