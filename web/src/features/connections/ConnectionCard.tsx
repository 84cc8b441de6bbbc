import { useState } from 'react';
import { describeError } from '../../api/client';
import { useDeleteConnection, useTestConnection, useUpdateConnection } from '../../api/connections';
import { EXCHANGE_FACTS, MODE_LABELS } from '../../api/exchanges';
import type { ConnectionHealth, ConnectionView } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ExchangeBadge } from '../../components/ExchangeBadge';
import { StatusBadge } from '../../components/StatusBadge';
import { Switch } from '../../components/Switch';
import { ConnectionDetails } from './ConnectionDetails';
import { withdrawalWarning } from './withdrawal';

interface ConnectionCardProps {
  connection: ConnectionView;
  health?: ConnectionHealth | undefined;
  onEdit: (connection: ConnectionView) => void;
}

/** One exchange account: what it is, how it is doing, and what can be done with it. */
export function ConnectionCard({ connection, health, onEdit }: ConnectionCardProps) {
  const [confirmDelete, setConfirmDelete] = useState(false);
  const update = useUpdateConnection();
  const test = useTestConnection();
  const remove = useDeleteConnection();
  const facts = EXCHANGE_FACTS[connection.exchange];
  const withdrawal = withdrawalWarning(test.data ?? connection.lastTestResult);
  const headingId = `connection-${connection.id}-name`;

  return (
    <article className={`card card--${connection.status}${withdrawal ? ' card--danger' : ''}`} aria-labelledby={headingId}>
      <header className="card__header">
        <ExchangeBadge exchange={connection.exchange} />
        <div className="card__title">
          <h3 id={headingId}>{connection.name}</h3>
          <p className="card__subtitle">
            {facts.displayName} · <span className={`mode mode--${connection.mode}`}>{MODE_LABELS[connection.mode]}</span>
          </p>
        </div>
        <StatusBadge status={connection.status} />
      </header>

      {withdrawal ? (
        <div className="withdrawal-warning" role="alert">
          <strong>⚠ Withdrawal permission is enabled on this API key</strong>
          <p>{withdrawal.message}</p>
          <p>Anyone holding this key could move funds out. Create a trade-only key on {facts.displayName} and replace it here.</p>
        </div>
      ) : null}

      <ConnectionDetails connection={connection} health={health} />

      {test.isPending ? (
        <p className="notice notice--info" role="status">
          Testing {connection.name}…
        </p>
      ) : null}
      {test.isError ? (
        <p className="notice notice--error" role="alert">
          Test could not run: {describeError(test.error)}
        </p>
      ) : null}
      {update.isError ? (
        <p className="notice notice--error" role="alert">
          {describeError(update.error)}
        </p>
      ) : null}

      <footer className="card__footer">
        <Switch
          checked={connection.enabled}
          label={`Enabled: ${connection.name}`}
          disabled={update.isPending}
          onChange={(enabled) => update.mutate({ id: connection.id, body: { enabled } })}
        />
        <div className="card__actions">
          <button type="button" className="button button--small" disabled={test.isPending} onClick={() => test.mutate(connection.id)}>
            {test.isPending ? 'Testing…' : 'Test'}
            <span className="visually-hidden"> {connection.name}</span>
          </button>
          <button type="button" className="button button--small" onClick={() => onEdit(connection)}>
            Edit<span className="visually-hidden"> {connection.name}</span>
          </button>
          <button type="button" className="button button--small button--danger-outline" onClick={() => setConfirmDelete(true)}>
            Delete<span className="visually-hidden"> {connection.name}</span>
          </button>
        </div>
      </footer>

      {confirmDelete ? (
        <ConfirmDialog
          title={`Delete ${connection.name}?`}
          message="The connection and its stored, encrypted credentials are removed for good. Keys on the exchange itself are not touched."
          confirmLabel="Delete connection"
          busy={remove.isPending}
          error={remove.isError ? describeError(remove.error) : null}
          onCancel={() => {
            remove.reset();
            setConfirmDelete(false);
          }}
          onConfirm={() => remove.mutate(connection.id, { onSuccess: () => setConfirmDelete(false) })}
        />
      ) : null}
    </article>
  );
}
