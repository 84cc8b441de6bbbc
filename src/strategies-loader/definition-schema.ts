import { z } from 'zod';
import type { StrategyDefinition } from '../engine/strategy.js';

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'must be a function' });

/** The id rule for every strategy: it is typed into the CLI and stored with engines and backtests. */
export const STRATEGY_ID = z
  .string({ message: 'must be a string' })
  .regex(/^[a-z0-9][a-z0-9._-]{0,59}$/, 'must be 1–60 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');

/** What a strategy file's default export must be: a definition as `defineStrategy(…)` builds it. */
const definitionSchema = z.object({
  id: STRATEGY_ID,
  name: z.string({ message: 'must be a string' }).min(1, 'must not be empty').max(100),
  description: z.string({ message: 'must be a string' }).max(2000),
  params: z.custom<z.ZodType>((v) => v instanceof z.ZodType, { message: 'must be a zod schema (import { z } from "cts/strategy")' }),
  parseParams: fn,
  warmup: fn,
  create: fn,
  describeParams: fn,
});

export type ExportCheck = { readonly ok: true; readonly definition: StrategyDefinition } | { readonly ok: false; readonly message: string };

/** Validates a module's default export; the message says what to change in the file. */
export function checkDefaultExport(moduleNamespace: Record<string, unknown>): ExportCheck {
  if (!('default' in moduleNamespace) || moduleNamespace.default === undefined) {
    return { ok: false, message: 'has no default export: end the file with `export default defineStrategy({ … })`' };
  }
  const value = moduleNamespace.default;
  if (isSpecWithoutDefine(value)) return { ok: false, message: 'exports a plain spec: wrap it in defineStrategy({ … }) from "cts/strategy"' };
  const parsed = definitionSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'default export'} ${i.message}`);
    return { ok: false, message: `default export is not a strategy definition: ${issues.join('; ')}` };
  }
  const definition = value as StrategyDefinition;
  try {
    definition.describeParams();
  } catch (error) {
    return { ok: false, message: `its parameter schema cannot be described: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { ok: true, definition };
}

function isSpecWithoutDefine(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'create' in value && !('parseParams' in value);
}
