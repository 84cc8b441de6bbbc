import type { OrderRecord } from '../../api/engine-types';
import { clockTime, formatDecimal } from './format';

const STATUS_LABEL: Record<OrderRecord['status'], string> = {
  pending_create: 'Sending',
  open: 'Open',
  closed: 'Filled',
  canceled: 'Cancelled',
  rejected: 'Rejected',
  expired: 'Expired',
  unknown: 'Unknown',
  lost: 'Lost',
};

/** Orders, newest first: the open ones (live) or the recent history. */
export function OrdersTable({ orders, title, empty }: { orders: readonly OrderRecord[]; title: string; empty: string }) {
  const rows = [...orders].reverse();
  return (
    <section className="panel" aria-label={title}>
      <h2>
        {title} <span className="count">{orders.length}</span>
      </h2>
      {rows.length === 0 ? (
        <p className="muted small">{empty}</p>
      ) : (
        <div className="table-scroll table-scroll--tall">
          <table className="table" aria-label={title}>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Side</th>
                <th scope="col">Type</th>
                <th scope="col" className="num">Amount</th>
                <th scope="col" className="num">Price</th>
                <th scope="col" className="num">Filled</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((o) => (
                <tr key={o.clientOrderId} title={o.clientOrderId}>
                  <td>{clockTime(o.createdAt)}</td>
                  <td>
                    <span className={`side side--${o.side}`}>{o.side}</span>
                  </td>
                  <td>{o.type}</td>
                  <td className="num">{formatDecimal(o.amount)}</td>
                  <td className="num">{o.price ? formatDecimal(o.price) : o.average ? `≈ ${formatDecimal(o.average)}` : 'market'}</td>
                  <td className="num">{formatDecimal(o.filled)}</td>
                  <td>
                    <span className={`order-status order-status--${o.status}`}>{STATUS_LABEL[o.status] ?? o.status}</span>
                  </td>
                  <td className="cell-wrap">{o.error ?? o.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
