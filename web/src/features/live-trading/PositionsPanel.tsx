import type { PnlSummary, PositionGap, PositionSnapshot } from '../../api/engine-types';
import { formatDecimal, pnlClass, signed } from './format';

/** PnL totals (net, realized, unrealized, fees, and funding on perpetuals) and one row per symbol's position. */
export function PositionsPanel({ positions, pnl, gaps = [] }: { positions: readonly PositionSnapshot[]; pnl: PnlSummary; gaps?: readonly PositionGap[] }) {
  // Derivatives positions carry their leverage: then the table shows it and the liquidation price.
  const derivatives = positions.some((p) => p.leverage !== undefined);
  return (
    <section className="panel" aria-labelledby="positions-title">
      <h2 id="positions-title">Positions and PnL</h2>
      <dl className="pnl-grid" aria-label="Profit and loss">
        <Figure label="Net PnL" value={pnl.netPnl} strong />
        <Figure label="Realized" value={pnl.realizedPnl} />
        <Figure label="Unrealized" value={pnl.unrealizedPnl} />
        <div>
          <dt>Fees</dt>
          <dd>{formatDecimal(pnl.fees)}</dd>
        </div>
        {pnl.funding !== undefined ? <Figure label="Funding" value={pnl.funding} /> : null}
      </dl>
      {gaps.map((gap) => (
        <p key={gap.symbol} className="notice notice--error" role="alert">
          {gap.symbol}: the exchange reports a position of {formatDecimal(gap.exchange)}, the bot's books {formatDecimal(gap.ours)}. No order of this pair goes out until they agree — was it changed on the exchange by hand, or by another bot?
        </p>
      ))}
      {pnl.unpricedSymbols && pnl.unpricedSymbols.length > 0 ? (
        <p className="notice notice--info" role="status">
          No known price for {pnl.unpricedSymbols.join(', ')}: its unrealized PnL is not included.
        </p>
      ) : null}
      {positions.length === 0 ? (
        <p className="muted small">No position yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="table" aria-label="Positions">
            <thead>
              <tr>
                <th scope="col">Symbol</th>
                <th scope="col">Side</th>
                <th scope="col" className="num">Quantity</th>
                <th scope="col" className="num">Avg entry</th>
                <th scope="col" className="num">Mark</th>
                <th scope="col" className="num">Unrealized</th>
                <th scope="col" className="num">Net PnL</th>
                {derivatives ? (
                  <>
                    <th scope="col" className="num" title="Funding payments booked on the position: positive received, negative paid">
                      Funding
                    </th>
                    <th scope="col" className="num">Leverage</th>
                    <th scope="col" className="num" title="The margin the position holds: its notional at entry ÷ the leverage, in the quote currency">
                      Margin
                    </th>
                    <th scope="col" className="num" title="Estimated for an isolated position at its average entry (1 % maintenance margin); the exchange's own may differ a little">
                      Liq. price (est.)
                    </th>
                  </>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {positions.map((p) => (
                <tr key={p.symbol}>
                  <td>{p.symbol}</td>
                  <td>
                    {p.dust ? (
                      <span className="side side--flat" title="Below the market's smallest tradable amount: reported, but flat to the strategy">
                        dust
                      </span>
                    ) : (
                      <span className={`side side--${p.side}`}>{p.side}</span>
                    )}
                  </td>
                  <td className="num">{formatDecimal(p.quantity)}</td>
                  <td className="num">{formatDecimal(p.averageEntryPrice)}</td>
                  <td className="num" title={markTitle(p)}>
                    {formatDecimal(p.markPrice)}
                    {p.markSource === 'mark' ? <span className="muted small"> mark</span> : null}
                  </td>
                  <td className={`num ${pnlClass(p.unrealizedPnl)}`}>{signed(p.unrealizedPnl, 6)}</td>
                  <td className={`num ${pnlClass(p.netPnl)}`}>{signed(p.netPnl, 6)}</td>
                  {derivatives ? (
                    <>
                      <td className={`num ${p.funding === undefined ? '' : pnlClass(p.funding)}`}>{p.funding === undefined ? '—' : signed(p.funding, 6)}</td>
                      <td className="num">{p.leverage === undefined ? '—' : `${formatDecimal(p.leverage)}×`}</td>
                      <td className="num">{p.margin === undefined ? '—' : formatDecimal(p.margin)}</td>
                      <td className="num">{p.liquidationPrice ? formatDecimal(p.liquidationPrice) : '—'}</td>
                    </>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Figure({ label, value, strong = false }: { label: string; value: string; strong?: boolean }) {
  return (
    <div className={strong ? 'pnl-grid__main' : undefined}>
      <dt>{label}</dt>
      <dd className={pnlClass(value)} data-testid={strong ? 'net-pnl' : undefined}>
        {signed(value, 6)}
      </dd>
    </div>
  );
}

/** What the mark cell's price is: the exchange's mark price (perpetuals), or the last price of a candle or tick. */
function markTitle(p: PositionSnapshot): string | undefined {
  if (p.markTime === null) return undefined;
  if (p.markSource === 'mark') return `the exchange's mark price, read ${p.markTime}`;
  return `last price, ${p.markTime}`;
}
