import type { SweepResult } from '../../api/engine-types';
import { formatDecimal, pnlClass, signed } from '../live-trading/format';

const num = (v: number | null): string => (v === null ? '—' : v.toFixed(2));

/** A parameter sweep's ranking (sweeps are started through the API; the UI shows their results). */
export function SweepResults({ result }: { result: SweepResult }) {
  return (
    <section className="panel" aria-labelledby="sweep-title">
      <h2 id="sweep-title">
        Sweep of {result.strategy}: {result.combinations} combinations, ranked by {result.rankBy}
      </h2>
      <div className="table-scroll table-scroll--tall">
        <table className="table" aria-label="Sweep results">
          <thead>
            <tr>
              <th scope="col">Rank</th>
              <th scope="col">Parameters</th>
              <th scope="col" className="num">Net profit</th>
              <th scope="col" className="num">Max DD</th>
              <th scope="col" className="num">Trades</th>
              <th scope="col" className="num">Win rate</th>
              <th scope="col" className="num">Sharpe</th>
            </tr>
          </thead>
          <tbody>
            {result.results.map((row) => (
              <tr key={row.rank}>
                <td>{row.rank}</td>
                <td>
                  {Object.entries(row.params)
                    .map(([k, v]) => `${k}=${String(v)}`)
                    .join(', ')}
                </td>
                <td className={`num ${pnlClass(row.metrics.netProfit)}`}>
                  {signed(row.metrics.netProfit, 2)} ({signed(row.metrics.netProfitPct, 2)} %)
                </td>
                <td className="num">{formatDecimal(row.metrics.maxDrawdownPct, 2)} %</td>
                <td className="num">{row.metrics.tradeCount}</td>
                <td className="num">{row.metrics.winRate === null ? '—' : `${(row.metrics.winRate * 100).toFixed(1)} %`}</td>
                <td className="num">{num(row.metrics.sharpe)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {result.invalid.length + result.failed.length > 0 ? (
        <p className="muted small">
          {result.invalid.length} combination(s) refused by the strategy, {result.failed.length} failed.
        </p>
      ) : null}
    </section>
  );
}
