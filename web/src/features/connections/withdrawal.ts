import type { ConnectionTestResult, ConnectionTestStep } from '../../api/types';

/**
 * The step warning that the key may withdraw funds: a 'warning' step that names withdrawal in its
 * message or details. Such a key must be replaced by a trade-only key, so the card shouts about it.
 */
export function withdrawalWarning(result: ConnectionTestResult | null | undefined): ConnectionTestStep | undefined {
  if (!result) return undefined;
  return result.steps.find((step) => step.outcome === 'warning' && namesWithdrawal(step));
}

function namesWithdrawal(step: ConnectionTestStep): boolean {
  if (/withdraw/i.test(step.message)) return true;
  return Object.entries(step.details ?? {}).some(([key, value]) => /withdraw/i.test(key) && value !== false && value !== null);
}
