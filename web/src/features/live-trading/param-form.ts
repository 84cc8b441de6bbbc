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

/** "sizeQuote" → "Size quote", "stopLossPct" → "Stop loss %", "unfilledTimeout.entrySeconds" → "Unfilled timeout: entry seconds". */
export function paramLabel(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot > 0) return `${paramLabel(name.slice(0, dot))}: ${paramLabel(name.slice(dot + 1)).toLowerCase()}`;
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

/**
 * The request object: typed values, empty optional parameters left out. Call after validation. A
 * dotted name goes into its nested object (`unfilledTimeout.entrySeconds`), and a nested object whose
 * fields are all empty or at their defaults is left out: the server's own defaults apply.
 */
export function toPayload(docs: readonly FieldDoc[], values: ParamValues): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  const groups = new Map<string, FieldDoc[]>();
  for (const doc of docs) {
    const dot = doc.name.lastIndexOf('.');
    if (dot > 0) groups.set(doc.name.slice(0, dot), [...(groups.get(doc.name.slice(0, dot)) ?? []), doc]);
  }
  const leftOut = new Set([...groups].filter(([, fields]) => fields.every((d) => !isSet(d, values))).map(([group]) => group));
  for (const doc of docs) {
    const dot = doc.name.lastIndexOf('.');
    const group = dot > 0 ? doc.name.slice(0, dot) : '';
    if (leftOut.has(group)) continue;
    const value = typedValue(doc, values[doc.name] ?? '');
    if (value === undefined) continue;
    if (group === '') {
      payload[doc.name] = value;
      continue;
    }
    let target = payload;
    for (const key of group.split('.')) {
      const inner = target[key];
      target = (target[key] = typeof inner === 'object' && inner !== null ? inner : {}) as Record<string, unknown>;
    }
    target[doc.name.slice(dot + 1)] = value;
  }
  return payload;
}

function typedValue(doc: FieldDoc, typed: string): unknown {
  const raw = typed.trim();
  const kind = kindOf(doc);
  if (kind === 'boolean') return raw === 'true';
  if (raw === '') return undefined;
  if (kind === 'integer' || kind === 'number') return Number(raw);
  if (kind === 'enum' && typeof doc.enum?.[0] === 'number') return Number(raw);
  return raw;
}

/** Whether the field holds something other than empty or its default. */
function isSet(doc: FieldDoc, values: ParamValues): boolean {
  const raw = (values[doc.name] ?? '').trim();
  return raw !== '' && raw !== (doc.default === undefined || doc.default === null ? '' : String(doc.default));
}

/** A stored request object (a bot's last risk settings) as form values under the docs' dotted names. */
export function fromPayload(docs: readonly FieldDoc[], values: ParamValues, from: Readonly<Record<string, unknown>> | null | undefined): ParamValues {
  if (!from) return values;
  const next = { ...values };
  for (const doc of docs) {
    let value: unknown = from;
    for (const key of doc.name.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    if (value !== undefined && value !== null && typeof value !== 'object') next[doc.name] = String(value);
  }
  return next;
}

/** Server field errors (`params.fast`, `risk.maxOpenOrders`) for one group, keyed by parameter name. */
export function groupErrors(errors: readonly { path: string; message: string }[], group: string): ParamErrors {
  const out: ParamErrors = {};
  for (const e of errors) {
    if (!e.path.startsWith(`${group}.`)) continue;
    // Keyed by the whole path (a nested field's own name, `unfilledTimeout.entrySeconds`) and by its
    // first part (the field an array item's error belongs to, `levels.0` → `levels`).
    const path = e.path.slice(group.length + 1);
    for (const name of [path, path.split('.')[0] ?? '']) if (name && !out[name]) out[name] = e.message;
  }
  return out;
}

