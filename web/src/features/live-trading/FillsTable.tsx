import type { FillRecord } from '../../api/engine-types';
import { formatDecimal, timeOf } from './format';

/** The engine's fills, newest first. Times are the exchange's (in replay: the historical candle's). */
export function FillsTable({ fills }: { fills: readonly FillRecord[] }) {
  const rows = [...fills].reverse();
  return (
    <section className="panel" aria-label="Fills">
      <h2>
        Fills <span className="count">{fills.length}</span>
      </h2>
      {rows.length === 0 ? (
        <p className="muted small">No fills yet.</p>
      ) : (
        <div className="table-scroll table-scroll--tall">
          <table className="table" aria-label="Fills">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Side</th>
                <th scope="col">Symbol</th>
                <th scope="col" className="num">Amount</th>
                <th scope="col" className="num">Price</th>
                <th scope="col" className="num">Fee</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((f) => (
                <tr key={f.tradeId}>
                  <td>{timeOf(f.timestamp)}</td>
                  <td>
                    <span className={`side side--${f.side}`}>{f.side}</span>
                  </td>
                  <td>{f.symbol}</td>
                  <td className="num">{formatDecimal(f.amount)}</td>
                  <td className="num">{formatDecimal(f.price)}</td>
                  <td className="num">
                    {formatDecimal(f.fee)} {f.feeAsset ?? ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
