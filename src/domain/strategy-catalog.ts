/**
 * The strategy listing of `GET /api/strategies` (shared with the web UI): every strategy with where it
 * came from, and the strategy files that did not load.
 */

/** Where a definition came from: compiled in, or a file of the strategies folder (relative to it). */
export type StrategySource = { readonly kind: 'built-in' } | { readonly kind: 'file'; readonly file: string };

/**
 * Why a strategy file did not load, with where (the folder-relative file, 1-based line and column when
 * known). The message never carries a stack or a secret.
 */
export interface StrategyLoadProblem {
  readonly file: string;
  readonly kind: 'compile' | 'load' | 'export' | 'duplicate-id';
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * Documentation of one strategy parameter or risk limit, derived from its zod schema (for the UI, the
 * API and docs); a nested field is named by its path (`unfilledTimeout.entrySeconds`).
 */
export interface ParamDoc {
  name: string;
  /** JSON-schema type: integer, number, string (decimals are strings), boolean. */
  type: string;
  description: string;
  /** Absent (undefined) when the parameter is optional without a default. */
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  /** The allowed values, for a choice. */
  enum?: readonly (string | number)[];
}

/** A strategy's metadata as the strategy pickers list it. */
export interface StrategyInfo {
  id: string;
  name: string;
  description: string;
  params: ParamDoc[];
}

export type StrategyParamInfo = Readonly<ParamDoc>;

export interface StrategyCatalog {
  readonly directory: string;
  /** False when the folder does not exist (then only the built-ins are offered). */
  readonly directoryExists: boolean;
  /** ISO time of the last (re)load, null before the first one. */
  readonly loadedAt: string | null;
  readonly strategies: readonly {
    readonly id: string;
    readonly name: string;
    readonly description: string;
    readonly params: readonly StrategyParamInfo[];
    readonly source: StrategySource;
  }[];
  readonly problems: readonly StrategyLoadProblem[];
}
