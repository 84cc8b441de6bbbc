import type { ExchangeId } from '../../src/domain/exchange-ids.js';
import { faultRuleInputSchema, type FaultRuleInput, type FaultSpec } from './schemas.js';

export interface FaultRule {
  id: string;
  exchange?: ExchangeId;
  path?: string;
  pathRegex?: string;
  method?: string;
  /** Requests left before the rule expires; undefined = until cleared. */
  remaining?: number;
  fault: FaultSpec;
  /** How many requests it has hit so far. */
  hits: number;
}

export interface FaultDecision {
  /** Sum of matching latency rules. */
  latencyMs: number;
  /** The first matching non-latency fault, if any. */
  fault?: FaultSpec;
}

/** Active fault rules, matched in the order they were added. */
export class FaultStore {
  #rules: FaultRule[] = [];
  #nextId = 1;

  add(input: FaultRuleInput): FaultRule {
    const parsed = faultRuleInputSchema.parse(input);
    const rule: FaultRule = {
      id: `fault-${this.#nextId++}`,
      exchange: parsed.exchange,
      path: parsed.path,
      pathRegex: parsed.pathRegex,
      method: parsed.method,
      remaining: parsed.times,
      fault: parsed.fault,
      hits: 0,
    };
    this.#rules.push(rule);
    return { ...rule };
  }

  list(): FaultRule[] {
    return this.#rules.map((r) => ({ ...r }));
  }

  /** Removes one rule (true if it existed) or, without an id, all of them. */
  clear(id?: string): boolean {
    const before = this.#rules.length;
    this.#rules = id === undefined ? [] : this.#rules.filter((r) => r.id !== id);
    return this.#rules.length < before;
  }

  /** Decides what happens to one request, consuming counted rules it hits. */
  decide(exchange: ExchangeId, method: string, path: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const rule of this.#rules) {
      if (!matches(rule, exchange, method, path)) continue;
      if (rule.fault.kind === 'latency') decision.latencyMs += rule.fault.ms;
      else if (decision.fault) continue;
      else decision.fault = rule.fault;
      rule.hits++;
      if (rule.remaining !== undefined) rule.remaining--;
    }
    this.#rules = this.#rules.filter((r) => r.remaining === undefined || r.remaining > 0);
    return decision;
  }
}

function matches(rule: FaultRule, exchange: ExchangeId, method: string, path: string): boolean {
  if (rule.exchange !== undefined && rule.exchange !== exchange) return false;
  if (rule.method !== undefined && rule.method !== method) return false;
  if (rule.path !== undefined && !path.includes(rule.path)) return false;
  return rule.pathRegex === undefined || new RegExp(rule.pathRegex).test(path);
}
