import { systemClock, type Clock } from '../domain/clock.js';
import type { ConnectionTestResult, ConnectionTestStep, ConnectionTestStepName } from '../domain/connection-test.js';
import { CredentialFormatError, CtsError, RetryLaterError } from '../domain/errors.js';
import { dec } from '../domain/money.js';
import type { BalanceEntry, Exchange, KeyPermissions } from '../exchanges/exchange.port.js';

export interface ConnectionTestOptions {
  /** paper/replay connections test against their simulated exchange; the result says so. */
  readonly simulated: boolean;
  /** The whole test finishes within this (default 10 s); a step still running then is failed. */
  readonly timeoutMs?: number;
  /** Skew beyond this is a warning (default 1 s). */
  readonly clockWarnMs?: number;
  readonly clock?: Clock;
}

export const DEFAULT_TEST_TIMEOUT_MS = 10_000;
export const DEFAULT_CLOCK_WARN_MS = 1_000;

class DeadlineExceeded extends Error {}

interface Run {
  readonly exchange: Exchange;
  readonly clock: Clock;
  readonly deadline: number;
  readonly clockWarnMs: number;
  readonly abort: AbortController;
  readonly steps: ConnectionTestStep[];
}

/**
 * Runs the step-by-step connection test: reachability → clock → authentication → permissions →
 * balances. Never throws for exchange faults: every fault becomes a step outcome a person can act on.
 */
export async function testConnection(exchange: Exchange, options: ConnectionTestOptions): Promise<ConnectionTestResult> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`Expected \`timeoutMs\` to be a finite number > 0, got ${timeoutMs}`);
  const startedAt = clock.now();
  const run: Run = {
    exchange,
    clock,
    deadline: startedAt + timeoutMs,
    clockWarnMs: options.clockWarnMs ?? DEFAULT_CLOCK_WARN_MS,
    abort: new AbortController(),
    steps: [],
  };
  try {
    await runSteps(run);
  } finally {
    run.abort.abort();
  }
  return summarize(run, startedAt, options.simulated);
}

async function runSteps(run: Run): Promise<void> {
  const reach = await reachability(run);
  if (!reach) return skipRest(run, 'clock', 'The exchange was not reachable.');
  clockStep(run, reach);
  const balances = await authentication(run);
  if (!balances) return skipRest(run, 'permissions', 'Authentication did not succeed.');
  await permissions(run);
  balancesStep(run, balances);
}

async function reachability(run: Run): Promise<{ serverTime: number; sentAt: number; latencyMs: number } | undefined> {
  const sentAt = run.clock.now();
  const outcome = await attempt(run, () => run.exchange.fetchServerTime());
  const latencyMs = run.clock.now() - sentAt;
  if (!outcome.ok) {
    addStep(run, 'reachability', 'failed', latencyMs, unreachableMessage(outcome.error), errorDetails(outcome.error));
    return undefined;
  }
  addStep(run, 'reachability', 'ok', latencyMs, `Reached ${run.exchange.id} in ${latencyMs} ms.`, { latencyMs });
  return { serverTime: outcome.value, sentAt, latencyMs };
}

/** Skew = server time − our time at the middle of the round trip. */
function clockStep(run: Run, reach: { serverTime: number; sentAt: number; latencyMs: number }): void {
  const skewMs = Math.round(reach.serverTime - (reach.sentAt + reach.latencyMs / 2));
  const seconds = (Math.abs(skewMs) / 1000).toFixed(1);
  if (Math.abs(skewMs) > run.clockWarnMs) {
    const direction = skewMs > 0 ? 'behind' : 'ahead of';
    addStep(run, 'clock', 'warning', 0, `This machine's clock is ${seconds} s ${direction} the exchange's: enable NTP time sync, or signed requests may be rejected.`, { skewMs });
  } else {
    addStep(run, 'clock', 'ok', 0, `Clock within ${seconds} s of the exchange.`, { skewMs });
  }
}

async function authentication(run: Run): Promise<BalanceEntry[] | undefined> {
  const started = run.clock.now();
  const outcome = await attempt(run, () => run.exchange.fetchBalances());
  const duration = run.clock.now() - started;
  if (outcome.ok) {
    addStep(run, 'authentication', 'ok', duration, 'The API key and secret were accepted.');
    return outcome.value;
  }
  addStep(run, 'authentication', 'failed', duration, authMessage(outcome.error), errorDetails(outcome.error));
  return undefined;
}

async function permissions(run: Run): Promise<void> {
  const started = run.clock.now();
  if (!run.exchange.fetchPermissions) {
    addStep(run, 'permissions', 'skipped', 0, `${run.exchange.id} does not report key permissions: check them on the exchange.`);
    return;
  }
  const read = run.exchange.fetchPermissions.bind(run.exchange);
  const outcome = await attempt(run, read);
  const duration = run.clock.now() - started;
  if (!outcome.ok) {
    const timedOut = outcome.error instanceof DeadlineExceeded;
    addStep(run, 'permissions', timedOut ? 'failed' : 'warning', duration, `Could not read the key's permissions: ${describe(outcome.error)}`, errorDetails(outcome.error));
    return;
  }
  judgePermissions(run, outcome.value, duration);
}

function judgePermissions(run: Run, p: KeyPermissions, duration: number): void {
  const details = { canTrade: p.canTrade, canWithdraw: p.canWithdraw, ipRestricted: p.ipRestricted };
  if (p.canTrade === null && p.canWithdraw === null && p.ipRestricted === null) {
    addStep(run, 'permissions', 'skipped', duration, `${run.exchange.id} does not report key permissions: check them on the exchange.`, details);
  } else if (p.canTrade === false) {
    addStep(run, 'permissions', 'failed', duration, 'Trading is not enabled on this key: enable trading for the market types this connection uses.', details);
  } else if (p.canWithdraw === true) {
    addStep(run, 'permissions', 'warning', duration, 'Withdrawal is enabled on this key: create a trade-only key with withdrawals disabled.', details);
  } else {
    const ip = p.ipRestricted === false ? ' Consider restricting the key to this machine\'s IP address.' : '';
    addStep(run, 'permissions', 'ok', duration, `Trading allowed, withdrawals disabled.${ip}`, details);
  }
}

function balancesStep(run: Run, balances: BalanceEntry[]): void {
  const nonZero = balances.filter((b) => !dec(b.total).isZero()).length;
  addStep(run, 'balances', 'ok', 0, `${nonZero} asset${nonZero === 1 ? '' : 's'} with a balance.`, { assets: nonZero });
}

function skipRest(run: Run, from: ConnectionTestStepName, why: string): void {
  const order: ConnectionTestStepName[] = ['reachability', 'clock', 'authentication', 'permissions', 'balances'];
  for (const name of order.slice(order.indexOf(from))) addStep(run, name, 'skipped', 0, why);
}

type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs one exchange call against the overall deadline; faults become values, never exceptions. */
async function attempt<T>(run: Run, call: () => Promise<T>): Promise<Attempt<T>> {
  const remaining = run.deadline - run.clock.now();
  if (remaining <= 0) return { ok: false, error: new DeadlineExceeded() };
  const timer = run.clock.sleep(remaining, run.abort.signal).then(
    (): Attempt<T> => ({ ok: false, error: new DeadlineExceeded() }),
    (): Attempt<T> => ({ ok: false, error: new DeadlineExceeded() }),
  );
  const work = call().then(
    (value): Attempt<T> => ({ ok: true, value }),
    (error: unknown): Attempt<T> => ({ ok: false, error }),
  );
  return Promise.race([work, timer]);
}

function addStep(run: Run, name: ConnectionTestStepName, outcome: ConnectionTestStep['outcome'], durationMs: number, message: string, details?: ConnectionTestStep['details']): void {
  const step: ConnectionTestStep = { name, outcome, durationMs: Math.max(0, Math.round(durationMs)), message };
  if (details) step.details = details;
  run.steps.push(step);
}

function unreachableMessage(error: unknown): string {
  if (error instanceof DeadlineExceeded) return 'The exchange did not answer within the test timeout.';
  if (error instanceof CtsError && error.code === 'rate_limited') return `Rate limited by the exchange: ${error.message}`;
  return `Could not reach the exchange: ${describe(error)}`;
}

function authMessage(error: unknown): string {
  if (error instanceof DeadlineExceeded) return 'The exchange did not answer the authenticated request within the test timeout.';
  if (!(error instanceof CtsError)) return `Authentication check failed: ${describe(error)}`;
  // Nothing reached the exchange: the message says what to fix (the stored secret), not "rejected".
  if (error instanceof CredentialFormatError) return error.message;
  switch (error.code) {
    case 'authentication_failed':
      return 'Authentication failed: the exchange rejected the API key, secret or passphrase.';
    case 'permission_missing':
      return 'The key was accepted but may not read balances: enable read access on the key.';
    case 'clock_skew':
      return "The exchange rejected the request timestamp: this machine's clock is off; enable NTP time sync.";
    default:
      return `Authentication check failed: ${error.message}`;
  }
}

/** Our errors carry messages written for people; anything else is not echoed (it may contain URLs). */
function describe(error: unknown): string {
  if (error instanceof DeadlineExceeded) return 'timed out';
  if (error instanceof CtsError) return error.message;
  return 'unexpected error';
}

function errorDetails(error: unknown): Record<string, string | number | boolean | null> {
  if (error instanceof DeadlineExceeded) return { code: 'timeout' };
  if (error instanceof CredentialFormatError) return { code: error.code, retryable: false, secretFormatInvalid: true };
  if (error instanceof CtsError) return { code: error.code, retryable: error instanceof RetryLaterError };
  return { code: 'unexpected' };
}

const SUMMARY: Partial<Record<ConnectionTestStepName, string>> = {
  reachability: 'unreachable',
  authentication: 'authentication failed',
  permissions: 'trading not allowed',
};

function summarize(run: Run, startedAt: number, simulated: boolean): ConnectionTestResult {
  const failed = run.steps.find((s) => s.outcome === 'failed');
  const warnings = run.steps.filter((s) => s.outcome === 'warning');
  let summary = 'ok';
  if (failed) summary = failureSummary(failed);
  else if (warnings.length > 0) summary = warnings.map(warningSummary).join('; ');
  return {
    outcome: failed ? 'failed' : warnings.length > 0 ? 'warning' : 'ok',
    summary: simulated ? `${summary} (simulated exchange)` : summary,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: Math.max(0, run.clock.now() - startedAt),
    simulated,
    steps: run.steps,
  };
}

function failureSummary(step: ConnectionTestStep): string {
  const code = step.details?.['code'];
  if (step.name === 'authentication' && code === 'clock_skew') return 'clock skew';
  if (step.name === 'authentication' && step.details?.['secretFormatInvalid'] === true) return 'secret format invalid';
  if (step.name === 'authentication' && code !== 'authentication_failed' && code !== 'permission_missing') {
    return code === 'timeout' || code === 'retry_later' || code === 'exchange_unavailable' ? 'unreachable' : 'exchange error';
  }
  if (step.name === 'permissions' && code === 'timeout') return 'unreachable';
  return SUMMARY[step.name] ?? 'failed';
}

function warningSummary(step: ConnectionTestStep): string {
  if (step.name === 'permissions' && step.details?.['canWithdraw'] === true) return 'withdrawal enabled';
  if (step.name === 'clock') return 'clock skew';
  return `${step.name} warning`;
}
