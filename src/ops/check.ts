/** One step of a self-check (startup verification, integration test), with its timing. */
export interface CheckStep {
  name: string;
  outcome: 'ok' | 'warning' | 'failed' | 'skipped';
  durationMs: number;
  message: string;
}

export interface CheckReport {
  outcome: 'ok' | 'warning' | 'failed';
  checkedAt: string;
  steps: CheckStep[];
}

/** Runs a step, timing it; a thrown error becomes a failed step with the error's message. */
export async function runStep(
  name: string,
  body: () => Promise<{ outcome?: CheckStep['outcome']; message: string }>,
): Promise<CheckStep> {
  const started = performance.now();
  try {
    const result = await body();
    return { name, outcome: result.outcome ?? 'ok', durationMs: elapsed(started), message: result.message };
  } catch (error) {
    return { name, outcome: 'failed', durationMs: elapsed(started), message: (error as Error).message };
  }
}

export function summarize(steps: CheckStep[], now: Date = new Date()): CheckReport {
  const outcome = steps.some((s) => s.outcome === 'failed') ? 'failed' : steps.some((s) => s.outcome === 'warning') ? 'warning' : 'ok';
  return { outcome, checkedAt: now.toISOString(), steps };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
