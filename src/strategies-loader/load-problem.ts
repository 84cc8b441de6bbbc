/**
 * Why a strategy file did not load, with where (the folder-relative file, 1-based line and column when
 * known). Shown in the API, the UI and the log; the message never carries a stack or a secret.
 */
export interface StrategyLoadProblem {
  readonly file: string;
  readonly kind: 'compile' | 'load' | 'export' | 'duplicate-id';
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

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
