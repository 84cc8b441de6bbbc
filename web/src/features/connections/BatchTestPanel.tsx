import { describeError } from '../../api/client';
import { useBatchJob } from '../../api/connections';
import { EXCHANGE_FACTS } from '../../api/exchanges';
import type { BatchTestItem, BatchTestJob } from '../../api/types';
import { withdrawalWarning } from './withdrawal';

interface BatchTestPanelProps {
  jobId: string;
  onClose: () => void;
}

/** "Test all": a live progress bar while the job runs, then each connection's result. */
export function BatchTestPanel({ jobId, onClose }: BatchTestPanelProps) {
  const job = useBatchJob(jobId);
  return (
    <section className="panel batch" aria-labelledby="batch-title">
      <header className="panel__header">
        <h2 id="batch-title">Testing all connections</h2>
        <button type="button" className="button button--small button--ghost" onClick={onClose}>
          Close
        </button>
      </header>
      {job.isError ? <p className="notice notice--error" role="alert">{describeError(job.error)}</p> : null}
      {job.data ? <BatchProgress job={job.data} /> : <Progress done={0} total={0} />}
    </section>
  );
}

function BatchProgress({ job }: { job: BatchTestJob }) {
  const failed = job.results.filter((r) => r.error || r.result?.outcome === 'failed').length;
  const warned = job.results.filter((r) => r.result?.outcome === 'warning').length;
  return (
    <>
      <Progress done={job.done} total={job.total} />
      <p className="batch__summary" role="status" aria-live="polite">
        {job.state === 'running'
          ? `${job.done} of ${job.total} tested…`
          : `${job.state === 'cancelled' ? 'Cancelled' : 'Done'}: ${job.done} of ${job.total} tested, ${failed} failed, ${warned} with warnings.`}
      </p>
      {job.results.length > 0 ? (
        <ul className="batch__results">
          {job.results.map((item) => (
            <BatchRow key={item.connectionId} item={item} />
          ))}
        </ul>
      ) : null}
    </>
  );
}

function Progress({ done, total }: { done: number; total: number }) {
  const pct = total > 0 ? Math.round((done / total) * 100) : 0;
  return (
    <div className="progress" role="progressbar" aria-label="Batch test progress" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} aria-valuetext={`${done} of ${total}`}>
      <div className="progress__bar" style={{ width: `${pct}%` }} />
    </div>
  );
}

function BatchRow({ item }: { item: BatchTestItem }) {
  const outcome = item.error ? 'failed' : (item.result?.outcome ?? 'pending');
  const withdrawal = withdrawalWarning(item.result);
  return (
    <li className={`batch__row outcome-row--${outcome}`}>
      <span className="batch__name">{item.name}</span>
      <span className="muted small">{EXCHANGE_FACTS[item.exchange].displayName}</span>
      <span className={`outcome outcome--${outcome}`}>{outcome === 'pending' ? 'Waiting' : outcome === 'ok' ? 'OK' : outcome === 'warning' ? 'Warning' : 'Failed'}</span>
      <span className="batch__message">
        {withdrawal ? <strong className="text-danger">Withdrawal enabled on this key. </strong> : null}
        {item.error ?? item.result?.summary ?? ''}
      </span>
    </li>
  );
}
