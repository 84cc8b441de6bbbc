import type { ConnectionHealth, ConnectionTestResult, ConnectionView } from '../../api/types';
import { StepList } from '../../components/StepList';
import { absoluteTime, capitalize, formatMs, formatRate, relativeTime } from '../../format';

const OUTCOME_LABEL: Record<ConnectionTestResult['outcome'], string> = { ok: 'Passed', warning: 'Passed with warnings', failed: 'Failed' };

/** The facts on a card: market types, key preview, last test, health. Never a secret. */
export function ConnectionDetails({ connection, health }: { connection: ConnectionView; health: ConnectionHealth | undefined }) {
  const result = connection.lastTestResult;
  return (
    <>
      <dl className="facts">
        <div>
          <dt>Markets</dt>
          <dd className="chips">
            {connection.marketTypes.map((t) => (
              <span key={t} className="chip">
                {capitalize(t)}
              </span>
            ))}
          </dd>
        </div>
        <div>
          <dt>API key</dt>
          <dd>
            {connection.apiKey ? (
              <>
                <code className="key-mask">{connection.apiKey.mask}</code>{' '}
                <span className="muted small">fingerprint {connection.apiKey.fingerprint}</span>
              </>
            ) : (
              <span className="muted">None stored</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Last test</dt>
          <dd>
            {connection.lastTestAt && result ? (
              <>
                <span className={`outcome outcome--${result.outcome}`}>{OUTCOME_LABEL[result.outcome]}</span>{' '}
                <time dateTime={connection.lastTestAt} title={absoluteTime(connection.lastTestAt)}>
                  {relativeTime(connection.lastTestAt)}
                </time>
                <span className="muted small"> · {result.summary}</span>
              </>
            ) : (
              <span className="muted">Never tested</span>
            )}
          </dd>
        </div>
        {health ? <HealthFacts health={health} /> : null}
      </dl>
      {result && result.steps.length > 0 ? (
        <details className="test-steps">
          <summary>Test steps ({result.steps.length})</summary>
          <StepList steps={result.steps} label={`Test steps of ${connection.name}`} />
        </details>
      ) : null}
    </>
  );
}

function HealthFacts({ health }: { health: ConnectionHealth }) {
  const measured = health.latencyP50Ms !== null;
  const reasons = health.reasons ?? [];
  if (health.samples === 0 && !health.ban) {
    return (
      <div>
        <dt>Health</dt>
        <dd className="muted">Not probed yet</dd>
      </div>
    );
  }
  return (
    <div>
      <dt>Health</dt>
      <dd>
        {measured ? (
          <span title="Latency p50 / p95">
            {formatMs(health.latencyP50Ms)} / {formatMs(health.latencyP95Ms)}
          </span>
        ) : (
          <span className="muted">No latency yet</span>
        )}
        <span className="muted small"> · errors {formatRate(health.errorRate)}</span>
        {reasons.length > 0 ? (
          <span className="muted small"> · {reasons.join('; ')}</span>
        ) : health.consecutiveFailures > 0 ? (
          <span className="muted small">
            {' '}
            · {health.consecutiveFailures} failure{health.consecutiveFailures === 1 ? '' : 's'} in a row
          </span>
        ) : null}
        {health.consecutiveFailures > 0 && health.lastFailure ? (
          <span className="small" data-testid="last-probe-failure">
            {' '}
            · last probe failed: {health.lastFailure.message}
          </span>
        ) : null}
        {health.ban ? (
          <span className="outcome outcome--failed">
            {' '}
            {health.ban.banned ? 'IP banned by the exchange' : 'Rate limited by the exchange'} until {absoluteTime(health.ban.until)}
          </span>
        ) : null}
      </dd>
    </div>
  );
}
