import type { RunResult } from './run-record.js';
import { INVARIANT_TITLES, type InvariantId } from './invariants.js';

/**
 * The message of a failing invariant: seed, scenario, how to reproduce, what was expected against
 * what happened, and the part of the run's trace that explains it (faults, stops, restarts, and the
 * orders and fills of the candles the violations name).
 */
export function failureReport(result: RunResult, invariant: InvariantId, violations: readonly string[]): string {
  const s = result.scenario;
  const candles = new Set<number>();
  for (const v of violations) for (const m of v.matchAll(/candles? (\d+)/g)) candles.add(Number(m[1]));
  const near = (line: string): boolean => {
    const at = /^\[candle (\d+)\]/.exec(line);
    if (!at) return true;
    const i = Number(at[1]);
    return [...candles].some((c) => i >= c - 2 && i <= c + 2);
  };
  const trace = result.trace.filter((line) => near(line) || !/\] (exchange filled|engine created)/.test(line));
  return [
    '',
    `SOAK INVARIANT FAILED: ${invariant} — ${INVARIANT_TITLES[invariant]}`,
    `scenario ${s.name}, seed ${s.seed}; reproduce: ${reproduce(s.name, s.seed)}`,
    `end: engine ${result.final.state}${result.final.lastError ? ` (${result.final.lastError})` : ''}; exchange holds ${result.exchange.base} base, ${result.exchange.quote} quote; CTS position ${result.final.position} (${result.afterStop.position} after the final stop)`,
    `${violations.length} violation(s):`,
    ...violations.slice(0, 8).map((v) => `  - ${v}`),
    ...(violations.length > 8 ? [`  … and ${violations.length - 8} more`] : []),
    'trace:',
    ...trace.slice(0, 120).map((l) => `  ${l}`),
    ...(trace.length > 120 ? [`  … ${trace.length - 120} more lines`] : []),
  ].join('\n');
}

function reproduce(name: string, seed: number): string {
  if (name.startsWith('process/')) return `SOAK_SEED=${seed} npx vitest run test/soak/process-restart.test.ts`;
  return `SOAK_SEED=${seed} SOAK_ONLY=${name} SOAK_TRACE=1 npx vitest run test/soak/trading-soak.${name.split('/')[0] ?? ''}.test.ts`;
}
