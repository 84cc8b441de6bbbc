import type { UseMutationResult } from '@tanstack/react-query';
import { ApiError, describeError } from '../../api/client';
import { useIntegrationTest, useSystemStatus, useVerifyStartup } from '../../api/system';
import type { StepReport } from '../../api/types';
import { ErrorState, Loading } from '../../components/States';
import { StepList } from '../../components/StepList';
import { StatusSection } from './StatusSection';

const NOT_AVAILABLE = 'Not available in this version.';

/** System: the server's status, and the integration test and startup verification on demand. */
export function SystemPage() {
  const status = useSystemStatus();
  const integration = useIntegrationTest();
  const startup = useVerifyStartup();
  const unavailable = status.error instanceof ApiError && status.error.notAvailable;
  return (
    <div className="page">
      <header className="page__header">
        <div>
          <p className="page__eyebrow">System</p>
          <h1>System status</h1>
          <p className="muted">Process, storage, engines, connections and versions of this CTS server.</p>
        </div>
      </header>

      <div className="check-grid">
        <CheckPanel
          title="Integration test"
          description="Runs a real end-to-end self-test through the API, storage and a simulated exchange."
          action="Run integration test"
          mutation={integration}
        />
        <CheckPanel title="Startup verification" description="Storage, migrations, key material and configuration." action="Verify startup" mutation={startup} />
      </div>

      {status.isPending ? <Loading label="Loading system status…" /> : null}
      {unavailable ? <p className="notice notice--info">System status: {NOT_AVAILABLE}</p> : null}
      {status.isError && !unavailable ? (
        <ErrorState message={`Could not load system status: ${describeError(status.error)}`} onRetry={() => void status.refetch()} />
      ) : null}
      {status.data ? (
        <div className="status-grid">
          {statusSections(status.data).map(([key, value]) => (
            <StatusSection key={key} title={key} value={value} />
          ))}
        </div>
      ) : null}
    </div>
  );
}

/** Top-level plain values (version, pid, uptime…) go together under "Process"; each object is its own section. */
function statusSections(status: Record<string, unknown>): [string, unknown][] {
  const entries = Object.entries(status);
  const plain = entries.filter(([, v]) => v === null || typeof v !== 'object');
  const nested = entries.filter(([, v]) => v !== null && typeof v === 'object');
  return plain.length > 0 ? [['process', Object.fromEntries(plain)], ...nested] : nested;
}

interface CheckPanelProps {
  title: string;
  description: string;
  action: string;
  mutation: UseMutationResult<StepReport, Error, void>;
}

function CheckPanel({ title, description, action, mutation }: CheckPanelProps) {
  const unavailable = mutation.error instanceof ApiError && mutation.error.notAvailable;
  const failed = mutation.data?.steps.some((s) => s.outcome === 'failed');
  return (
    <section className="panel" aria-label={title}>
      <header className="panel__header">
        <h2>{title}</h2>
        <button type="button" className="button button--small" disabled={mutation.isPending} onClick={() => mutation.mutate()}>
          {mutation.isPending ? 'Running…' : action}
        </button>
      </header>
      <p className="muted small">{description}</p>
      {unavailable ? <p className="notice notice--info">{NOT_AVAILABLE}</p> : null}
      {mutation.isError && !unavailable ? (
        <p className="notice notice--error" role="alert">
          {describeError(mutation.error)}
        </p>
      ) : null}
      {mutation.data ? (
        <>
          <p className={`outcome outcome--${failed ? 'failed' : 'ok'}`} role="status">
            {failed ? 'Some steps failed.' : 'All steps passed.'}
          </p>
          <StepList steps={mutation.data.steps} label={`${title} steps`} />
        </>
      ) : null}
    </section>
  );
}
