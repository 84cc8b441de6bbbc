interface Step {
  name: string;
  outcome: 'ok' | 'warning' | 'failed' | 'skipped';
  durationMs: number;
  message: string;
}

const OUTCOME_LABEL: Record<Step['outcome'], string> = { ok: 'OK', warning: 'Warning', failed: 'Failed', skipped: 'Skipped' };
const OUTCOME_ICON: Record<Step['outcome'], string> = { ok: '✓', warning: '!', failed: '✕', skipped: '–' };

export function humanize(name: string): string {
  const spaced = name.replace(/[-_]/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** A step-by-step report: connection tests, integration test, startup verification. */
export function StepList({ steps, label }: { steps: readonly Step[]; label: string }) {
  if (steps.length === 0) return <p className="muted">No steps reported.</p>;
  return (
    <ol className="steps" aria-label={label}>
      {steps.map((step, i) => (
        <li key={`${step.name}-${i}`} className={`step step--${step.outcome}`}>
          <span className="step__icon" aria-hidden="true">
            {OUTCOME_ICON[step.outcome]}
          </span>
          <span className="step__name">{humanize(step.name)}</span>
          <span className="step__outcome">{OUTCOME_LABEL[step.outcome]}</span>
          <span className="step__duration">{formatDuration(step.durationMs)}</span>
          <span className="step__message">{step.message}</span>
        </li>
      ))}
    </ol>
  );
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
