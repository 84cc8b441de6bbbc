import { useId, useState } from 'react';
import type { EngineStatus } from '../../api/engine-types';
import { Dialog } from '../../components/Dialog';
import { formatDecimal } from './format';

interface EmergencyStopDialogProps {
  name: string;
  status: EngineStatus;
  busy: boolean;
  error: string | null;
  onCancel: () => void;
  onConfirm: (flatten: boolean) => void;
}

/** Cancel every open order and stop; optionally close the position at market too. Cancel has focus first. */
export function EmergencyStopDialog({ name, status, busy, error, onCancel, onConfirm }: EmergencyStopDialogProps) {
  const [flatten, setFlatten] = useState(false);
  const flattenId = useId();
  const open = status.positions.filter((p) => p.side !== 'flat');
  return (
    <Dialog title={`Emergency stop ${name}?`} onClose={onCancel} size="small" alert description="Cancels every open order of this engine and stops it at once.">
      <div className="form">
        <p className="small">
          {status.openOrders.length} open order{status.openOrders.length === 1 ? '' : 's'} will be cancelled.{' '}
          {open.length > 0 ? `Position: ${open.map((p) => `${p.side} ${formatDecimal(p.quantity)} ${p.symbol}`).join(', ')}.` : 'No open position.'}
        </p>
        <label className="checkbox" htmlFor={flattenId}>
          <input id={flattenId} type="checkbox" checked={flatten} onChange={(e) => setFlatten(e.target.checked)} />
          Also close the position with a market order (flatten)
        </label>
        {error ? (
          <p className="notice notice--error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="dialog__actions">
          <button type="button" className="button" onClick={onCancel} data-autofocus>
            Cancel
          </button>
          <button type="button" className="button button--danger" disabled={busy} onClick={() => onConfirm(flatten)}>
            {busy ? 'Stopping…' : flatten ? 'Cancel orders, flatten and stop' : 'Cancel orders and stop'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
