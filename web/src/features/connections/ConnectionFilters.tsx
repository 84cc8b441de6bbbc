import { useId } from 'react';
import { CONNECTION_MODES, CONNECTION_STATUSES, EXCHANGE_FACTS, EXCHANGE_IDS, MODE_LABELS } from '../../api/exchanges';
import type { ConnectionFilters as Filters, ConnectionMode, ConnectionStatus, ExchangeId } from '../../api/types';
import { statusLabel } from '../../components/StatusBadge';

interface ConnectionFiltersProps {
  value: Filters;
  onChange: (next: Filters) => void;
}

/** Exchange, status and mode filters; "All" clears one. */
export function ConnectionFilters({ value, onChange }: ConnectionFiltersProps) {
  const id = useId();
  const active = Boolean(value.exchange || value.status || value.mode);
  return (
    <div className="filters" role="group" aria-label="Filter connections">
      <label htmlFor={`${id}-exchange`}>
        <span>Exchange</span>
        <select id={`${id}-exchange`} value={value.exchange ?? ''} onChange={(e) => onChange({ ...value, exchange: (e.target.value || undefined) as ExchangeId | undefined })}>
          <option value="">All exchanges</option>
          {EXCHANGE_IDS.map((x) => (
            <option key={x} value={x}>
              {EXCHANGE_FACTS[x].displayName}
            </option>
          ))}
        </select>
      </label>
      <label htmlFor={`${id}-status`}>
        <span>Status</span>
        <select id={`${id}-status`} value={value.status ?? ''} onChange={(e) => onChange({ ...value, status: (e.target.value || undefined) as ConnectionStatus | undefined })}>
          <option value="">All statuses</option>
          {CONNECTION_STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
      </label>
      <label htmlFor={`${id}-mode`}>
        <span>Mode</span>
        <select id={`${id}-mode`} value={value.mode ?? ''} onChange={(e) => onChange({ ...value, mode: (e.target.value || undefined) as ConnectionMode | undefined })}>
          <option value="">All modes</option>
          {CONNECTION_MODES.map((m) => (
            <option key={m} value={m}>
              {MODE_LABELS[m]}
            </option>
          ))}
        </select>
      </label>
      {active ? (
        <button type="button" className="button button--small button--ghost" onClick={() => onChange({})}>
          Clear filters
        </button>
      ) : null}
    </div>
  );
}
