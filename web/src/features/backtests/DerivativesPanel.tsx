import type { DerivativesReport } from '../../api/engine-types';
import { absoluteTime } from '../../format';
import { fixed, formatDecimal, pnlClass, signed } from '../live-trading/format';

/** A rate as a percentage, by moving the decimal point on the digits (no float): "0.00013046" → "0.013046". */
export function percentOf(rate: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(rate);
  if (!match) return rate;
  const [, sign = '', whole = '', fraction = ''] = match;
  const digits = `${whole}${fraction.padEnd(2, '0')}`;
  const point = whole.length + 2;
  const int = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const rest = digits.slice(point).replace(/0+$/, '');
  const text = rest ? `${int}.${rest}` : int;
  return /[1-9]/.test(text) ? `${sign}${text}` : '0';
}

interface Figure {
  label: string;
  value: string;
  sub?: string;
  tone?: string;
}

/** The perpetual's headline figures: trading PnL, fees and funding apart, and what they add up to. */
export function derivativesFigures(d: DerivativesReport): Figure[] {
  const f = d.funding;
  const every = f.intervalHours === null ? '' : ` every ${f.intervalHours} h`;
  return [
    { label: 'Trading PnL', value: signed(d.pnl.realizedTrading, 4, true), sub: `realized · ${signed(d.pnl.unrealized, 4, true)} unrealized`, tone: pnlClass(d.pnl.realizedTrading) },
    { label: 'Fees', value: fixed(d.pnl.fees, 4), sub: d.liquidations.count > 0 ? `${fixed(d.liquidations.fees, 4)} liquidation fees` : 'trading fees' },
    {
      label: 'Funding',
      value: signed(d.pnl.funding, 4, true),
      sub: f.source === null ? 'no funding data' : `${f.count} payment${f.count === 1 ? '' : 's'}${every} · paid ${fixed(f.paid, 4)} · received ${fixed(f.received, 4)}`,
      tone: pnlClass(d.pnl.funding),
    },
    { label: 'Net PnL', value: signed(d.pnl.netPnl, 4, true), sub: 'trading − fees + funding', tone: pnlClass(d.pnl.netPnl) },
    { label: 'Liquidations', value: String(d.liquidations.count), sub: d.liquidations.count > 0 ? `margin lost ${fixed(d.liquidations.loss, 4)}` : 'none', tone: d.liquidations.count > 0 ? 'pnl--down' : '' },
    { label: 'Mark prices', value: d.mark.source === null ? 'none' : `${d.mark.candlesWithMark} / ${d.mark.candles}`, sub: d.mark.source === null ? 'candles stand in' : 'candles with the mark' },
  ];
}

/** What trading a perpetual added to a backtest: margin, funding (every payment) and liquidations. */
export function DerivativesPanel({ derivatives: d }: { derivatives: DerivativesReport }) {
  const f = d.funding;
  const named = f.payments.some((p) => p.symbol !== undefined) || d.liquidations.events.some((l) => l.symbol !== undefined);
  return (
    <section className="panel" aria-labelledby="derivatives-title" data-testid="backtest-derivatives">
      <h2 id="derivatives-title">
        Perpetual · {formatDecimal(d.leverage)}× {d.marginMode}
      </h2>
      <p className="muted small">
        Margin = notional ÷ leverage from the wallet · maintenance margin {percentOf(d.maintenanceMarginRate)} % · {d.liquidationModel}.
      </p>
      <dl className="metrics-grid" aria-label="Perpetual figures">
        {derivativesFigures(d).map((m) => (
          <div key={m.label} className="metric">
            <dt>{m.label}</dt>
            <dd className={m.tone}>
              {m.value}
              {m.sub ? <span className="metric__sub">{m.sub}</span> : null}
            </dd>
          </div>
        ))}
      </dl>
      <p className={f.source === null ? 'notice notice--info' : 'muted small'} role={f.source === null ? 'status' : undefined}>
        Funding: {f.note}
        {f.count > 0 ? ` ${f.pricedByMark} priced at the mark, ${f.pricedByLastPrice} at the candles' price.` : ''}
      </p>
      {f.missing.count > 0 ? (
        <p className="notice notice--info">
          {f.missing.count} settlement{f.missing.count === 1 ? '' : 's'} with a position open had no funding rate (first {absoluteTime(f.missing.samples[0] ?? '')}): nothing was booked there.
        </p>
      ) : null}
      <p className="muted small">Mark prices: {d.mark.note}.</p>
      {d.liquidations.events.length > 0 ? (
        <div className="table-scroll">
          <table className="table" aria-label="Liquidations">
            <thead>
              <tr>
                <th scope="col">Time</th>
                {named ? <th scope="col">Pair</th> : null}
                <th scope="col">Side</th>
                <th scope="col" className="num">Size</th>
                <th scope="col" className="num">Entry</th>
                <th scope="col" className="num">Liquidation price</th>
                <th scope="col" className="num">Mark extreme</th>
                <th scope="col" className="num">Margin lost</th>
              </tr>
            </thead>
            <tbody>
              {d.liquidations.events.map((l) => (
                <tr key={`${l.symbol ?? ''}${l.time}`}>
                  <td>{absoluteTime(l.time)}</td>
                  {named ? <td>{l.symbol}</td> : null}
                  <td>
                    <span className={`side side--${l.side}`}>{l.side}</span>
                  </td>
                  <td className="num">{formatDecimal(l.quantity, 6)}</td>
                  <td className="num">{formatDecimal(l.entryPrice, 8)}</td>
                  <td className="num">{formatDecimal(l.liquidationPrice, 8)}</td>
                  <td className="num">
                    {formatDecimal(l.markExtreme, 8)}
                    {l.markSource === 'last' ? <span className="muted"> (candle)</span> : null}
                  </td>
                  <td className="num pnl--down">{fixed(l.loss, 4)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {f.payments.length > 0 ? (
        <details className="disclosure">
          <summary>Funding payments ({f.payments.length})</summary>
          <div className="table-scroll table-scroll--tall">
            <table className="table" aria-label="Funding payments">
              <thead>
                <tr>
                  <th scope="col">Settlement</th>
                  {named ? <th scope="col">Pair</th> : null}
                  <th scope="col" className="num">Rate</th>
                  <th scope="col" className="num">Price</th>
                  <th scope="col" className="num">Position</th>
                  <th scope="col" className="num">Amount</th>
                </tr>
              </thead>
              <tbody>
                {f.payments.map((p) => (
                  <tr key={`${p.symbol ?? ''}${p.time}`}>
                    <td>{absoluteTime(p.time)}</td>
                    {named ? <td>{p.symbol}</td> : null}
                    <td className="num">{percentOf(p.rate)} %</td>
                    <td className="num">
                      {formatDecimal(p.markPrice, 8)} <span className="muted">{p.priceSource === 'mark' ? 'mark' : 'candle'}</span>
                    </td>
                    <td className="num">{formatDecimal(p.quantity, 8)}</td>
                    <td className={`num ${pnlClass(p.amount)}`}>{signed(p.amount, 6)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
    </section>
  );
}
