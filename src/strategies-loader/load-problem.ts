import type { StrategyLoadProblem } from '../domain/strategy-catalog.js';

export type { StrategyLoadProblem } from '../domain/strategy-catalog.js';

/** "my-idea.ts:12:5" (or just the file when the place is unknown), for logs and the CLI. */
export function formatProblem(p: StrategyLoadProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}${p.column === undefined ? '' : `:${p.column}`}`;
  return `${where}: ${p.message}`;
}

/** Replaces every occurrence of a configured secret (key, token, URLs with passwords) in text a user file produced. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}
