import type { FieldDoc } from '../../api/engine-types';

/**
 * The parameter form generator's rules, pure: from a strategy's parameter docs (the server derives
 * them from the strategy's zod schema) to inputs, defaults, validation and the request payload.
 * Values are kept as the strings typed; they become numbers, decimal strings or booleans on submit.
 * Decimal parameters (money, amounts) stay strings all the way: never a float.
 */

export type ParamKind = 'integer' | 'number' | 'decimal' | 'boolean' | 'enum' | 'text';
export type ParamValues = Record<string, string>;
export type ParamErrors = Record<string, string>;

export const DECIMAL_PATTERN = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const INTEGER_PATTERN = /^-?\d+$/;

export function kindOf(doc: FieldDoc): ParamKind {
  if (doc.enum && doc.enum.length > 0) return 'enum';
  switch (doc.type) {
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'string':
      // The built-ins' only string parameters are decimals (`decimalParam`); a default that is not
      // a decimal means free text.
      return doc.default === undefined || (typeof doc.default === 'string' && DECIMAL_PATTERN.test(doc.default)) ? 'decimal' : 'text';
    default:
      return 'text';
  }
}

/** A parameter without a default may be left empty: it is then not sent. */
export function isOptional(doc: FieldDoc): boolean {
  return doc.default === undefined;
}

/** "sizeQuote" → "Size quote", "stopLossPct" → "Stop loss %". */
export function paramLabel(name: string): string {
  const words = name
    .replace(/Pct$/, ' %')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** What the bounds and default say, for the field's hint. */
export function boundsText(doc: FieldDoc): string {
  const parts: string[] = [];
  const low = doc.minimum ?? doc.exclusiveMinimum;
  const high = doc.maximum ?? doc.exclusiveMaximum;
  if (low !== undefined && high !== undefined) parts.push(`${doc.exclusiveMinimum !== undefined ? 'above ' : ''}${low} to ${high}${doc.exclusiveMaximum !== undefined ? ' (exclusive)' : ''}`);
  else if (low !== undefined) parts.push(doc.exclusiveMinimum !== undefined ? `above ${low}` : `at least ${low}`);
  else if (high !== undefined) parts.push(doc.exclusiveMaximum !== undefined ? `below ${high}` : `at most ${high}`);
  if (doc.default !== undefined) parts.push(`default ${String(doc.default)}`);
  else parts.push('optional');
  return parts.join(', ');
}

export function initialValues(docs: readonly FieldDoc[]): ParamValues {
  const values: ParamValues = {};
  for (const doc of docs) values[doc.name] = doc.default === undefined || doc.default === null ? '' : String(doc.default);
  return values;
}

/** The message for one value, or undefined when it is fine. */
export function validateParam(doc: FieldDoc, raw: string): string | undefined {
  const label = paramLabel(doc.name);
  const value = raw.trim();
  const kind = kindOf(doc);
  if (kind === 'boolean') return undefined;
  if (value === '') return isOptional(doc) ? undefined : `${label} is required.`;
  switch (kind) {
    case 'integer':
      if (!INTEGER_PATTERN.test(value)) return `${label} must be a whole number.`;
      return boundsError(doc, label, Number(value));
    case 'number': {
      const n = Number(value);
      if (!Number.isFinite(n)) return `${label} must be a number.`;
      return boundsError(doc, label, n);
    }
    case 'decimal':
      if (!DECIMAL_PATTERN.test(value)) return `${label} must be a plain decimal such as "100" or "0.5".`;
      return boundsError(doc, label, Number(value));
    case 'enum':
      return doc.enum?.map(String).includes(value) ? undefined : `${label} must be one of ${doc.enum?.join(', ') ?? ''}.`;
    default:
      return undefined;
  }
}

function boundsError(doc: FieldDoc, label: string, n: number): string | undefined {
  if (doc.minimum !== undefined && n < doc.minimum) return `${label} must be at least ${doc.minimum}.`;
  if (doc.maximum !== undefined && n > doc.maximum) return `${label} must be at most ${doc.maximum}.`;
  if (doc.exclusiveMinimum !== undefined && n <= doc.exclusiveMinimum) return `${label} must be greater than ${doc.exclusiveMinimum}.`;
  if (doc.exclusiveMaximum !== undefined && n >= doc.exclusiveMaximum) return `${label} must be less than ${doc.exclusiveMaximum}.`;
  return undefined;
}

export function validateParams(docs: readonly FieldDoc[], values: ParamValues): ParamErrors {
  const errors: ParamErrors = {};
  for (const doc of docs) {
    const error = validateParam(doc, values[doc.name] ?? '');
    if (error) errors[doc.name] = error;
  }
  return errors;
}

/** The request object: typed values, empty optional parameters left out. Call after validation. */
export function toPayload(docs: readonly FieldDoc[], values: ParamValues): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const doc of docs) {
    const raw = (values[doc.name] ?? '').trim();
    const kind = kindOf(doc);
    if (kind === 'boolean') {
      payload[doc.name] = raw === 'true';
      continue;
    }
    if (raw === '') continue;
    if (kind === 'integer' || kind === 'number') payload[doc.name] = Number(raw);
    else if (kind === 'enum' && typeof doc.enum?.[0] === 'number') payload[doc.name] = Number(raw);
    else payload[doc.name] = raw;
  }
  return payload;
}

/** Server field errors (`params.fast`, `risk.maxOpenOrders`) for one group, keyed by parameter name. */
export function groupErrors(errors: readonly { path: string; message: string }[], group: string): ParamErrors {
  const out: ParamErrors = {};
  for (const e of errors) {
    if (!e.path.startsWith(`${group}.`)) continue;
    const name = e.path.slice(group.length + 1).split('.')[0] ?? '';
    if (name && !out[name]) out[name] = e.message;
  }
  return out;
}

/**
 * The risk limits (the server's `riskConfigSchema` in src/engine/risk.ts, which no endpoint describes
 * yet), in the same form as strategy parameters so one generator renders both.
 */
export const RISK_PARAMS: readonly FieldDoc[] = [
  { name: 'maxPositionBase', type: 'string', description: 'Largest absolute position per symbol, in base currency', exclusiveMinimum: 0 },
  { name: 'maxOpenOrders', type: 'integer', description: 'Most open orders at once (exits are always allowed)', default: 10, minimum: 1, maximum: 1000 },
  { name: 'stopLossPct', type: 'number', description: 'Exit when the price moves this many % against the average entry', exclusiveMinimum: 0, exclusiveMaximum: 100 },
  { name: 'takeProfitPct', type: 'number', description: 'Exit when the price moves this many % in favour of the average entry', exclusiveMinimum: 0, maximum: 10_000 },
  { name: 'trailingStopPct', type: 'number', description: 'Trailing stop: exit when the price falls this many % from the best price since the entry (rises, for a short)', exclusiveMinimum: 0, exclusiveMaximum: 100 },
  { name: 'trailingStopActivationPct', type: 'number', description: 'The trailing stop starts once the best price is this many % in favour of the average entry (default 0: at once)', minimum: 0, maximum: 10_000 },
  { name: 'dailyLossLimit', type: 'string', description: 'Kill switch: stop the engine when net PnL since 00:00 UTC reaches −this (quote)', exclusiveMinimum: 0 },
  { name: 'allowShort', type: 'boolean', description: 'Allow selling below zero (margin and derivatives only)', default: false },
];
