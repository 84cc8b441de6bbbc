/** The step-by-step report of a connection test, stored on the connection and returned by the API. */

export const CONNECTION_TEST_STEPS = ['reachability', 'clock', 'authentication', 'permissions', 'balances'] as const;
export type ConnectionTestStepName = (typeof CONNECTION_TEST_STEPS)[number];

export type StepOutcome = 'ok' | 'warning' | 'failed' | 'skipped';

export interface ConnectionTestStep {
  name: ConnectionTestStepName;
  outcome: StepOutcome;
  durationMs: number;
  /** One sentence a trader can act on ("Withdrawal is enabled on this key: create a trade-only key."). */
  message: string;
  /** Step-specific facts: latencyMs, skewMs, permissions, balances count, error code… No secrets. */
  details?: Record<string, string | number | boolean | null>;
}

export interface ConnectionTestResult {
  /** ok: every step passed; warning: usable but something needs attention; failed: not usable. */
  outcome: 'ok' | 'warning' | 'failed';
  /** Short summary, e.g. "authentication failed" or "unreachable". */
  summary: string;
  startedAt: string;
  durationMs: number;
  /** true for paper/replay connections, which test against their simulated exchange. */
  simulated: boolean;
  steps: ConnectionTestStep[];
}
