import { z } from 'zod';
import type { ParamDoc } from '../domain/strategy-catalog.js';

/**
 * Form documentation of a zod object schema (a strategy's parameters, the risk limits): one ParamDoc
 * per field, in the schema's order, with the bounds, choices and defaults the schema has. A nested
 * object's fields come out under dotted names (`unfilledTimeout.entrySeconds`), so one flat form
 * generator renders every level and the web builds the nested request back from the names.
 */
export function describeSchema(schema: z.ZodType): ParamDoc[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonField;
  return fieldsOf(json, '');
}

interface JsonField {
  type?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  enum?: unknown[];
  properties?: Record<string, JsonField>;
}

function fieldsOf(json: JsonField, prefix: string): ParamDoc[] {
  const out: ParamDoc[] = [];
  for (const [key, p] of Object.entries(json.properties ?? {})) {
    const name = `${prefix}${key}`;
    if (p.type === 'object' && p.properties) {
      out.push(...fieldsOf(p, `${name}.`).map((doc) => (doc.description === '' && p.description ? { ...doc, description: p.description } : doc)));
      continue;
    }
    const choices = p.enum?.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
    out.push({
      name,
      type: p.type ?? 'unknown',
      description: p.description ?? '',
      default: p.default,
      ...(p.minimum !== undefined ? { minimum: p.minimum } : {}),
      ...(p.maximum !== undefined ? { maximum: p.maximum } : {}),
      ...(p.exclusiveMinimum !== undefined ? { exclusiveMinimum: p.exclusiveMinimum } : {}),
      ...(p.exclusiveMaximum !== undefined ? { exclusiveMaximum: p.exclusiveMaximum } : {}),
      ...(choices && choices.length > 0 ? { enum: choices } : {}),
    });
  }
  return out;
}
