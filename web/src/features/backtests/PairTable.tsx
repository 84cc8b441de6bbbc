import type { PairReport } from '../../api/engine-types';
import { formatDecimal, pnlClass, signed } from '../live-trading/format';

const pct = (fraction: number | null): string => (fraction === null ? '—' : `${(fraction * 100).toFixed(1)} %`);

/** Each pair of a multi-pair backtest; the totals beside it are of the whole run (one shared balance). */
export function PairTable({ pairs }: { pairs: readonly PairReport[] }) {
  return (
    <div className="table-scroll">
      <table className="table" aria-label="Pairs">
        <thead>
          <tr>
            <th scope="col">Pair</th>
            <th scope="col" className="num">Net PnL</th>
            <th scope="col" className="num">Fees</th>
            <th scope="col" className="num">Trades</th>
            <th scope="col" className="num">Win rate</th>
            <th scope="col" className="num">Exposure</th>
            <th scope="col" className="num">Refused</th>
            <th scope="col" className="num">Buy and hold</th>
          </tr>
        </thead>
        <tbody>
          {pairs.map((p) => (
            <tr key={p.symbol}>
              <th scope="row">{p.symbol}</th>
              <td className={`num ${pnlClass(p.netPnl)}`}>{signed(p.netPnl, 8)}</td>
              <td className="num">{formatDecimal(p.feesPaid, 8)}</td>
              <td className="num">
                {p.tradeCount} <span className="muted">({p.wins}/{p.losses})</span>
              </td>
              <td className="num">{pct(p.winRate)}</td>
              <td className="num">{pct(p.exposure)}</td>
              <td className="num">{p.refusedOrders}</td>
              <td className={`num ${pnlClass(p.buyAndHold.netProfit)}`}>{signed(p.buyAndHold.netProfit, 8)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
