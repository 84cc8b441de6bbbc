import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ExchangeId } from '../../../src/domain/exchange-ids.js';

/**
 * Real traffic to hold the simulator against: ccxt keeps HTTP responses recorded from the live
 * exchanges with the result ccxt parses from each (`ts/src/test/static/response/<exchange>.json`), and
 * the requests it sends (`ts/src/test/static/request/<exchange>.json`). The entries the tests use are
 * copied, unchanged, into `test/fixtures/ccxt-static/<exchange>.{response,request}.json`; each file's
 * `source` names the repository, path and commit they came from.
 */

export interface RecordedResponse {
  description: string;
  method: string;
  input: unknown[];
  httpResponse: unknown;
  parsedResponse: unknown;
}

export interface RecordedRequest {
  description: string;
  method: string;
  url: string;
  input: unknown[];
  output?: unknown;
}

interface RecordedFile<T> {
  source: { repo: string; path: string; commit: string };
  methods: Record<string, T[]>;
}

const FIXTURES = fileURLToPath(new URL('../../fixtures/ccxt-static/', import.meta.url));

function load<T>(exchange: ExchangeId, kind: 'response' | 'request'): RecordedFile<T> {
  return JSON.parse(readFileSync(`${FIXTURES}${exchange}.${kind}.json`, 'utf8')) as RecordedFile<T>;
}

/** The recorded responses of `method` (optionally the one whose description contains `match`). */
export function recordedResponse(exchange: ExchangeId, method: string, match?: string): RecordedResponse {
  const entries = load<RecordedResponse>(exchange, 'response').methods[method] ?? [];
  const found = entries.find((e) => match === undefined || e.description.includes(match));
  if (!found) throw new Error(`Expected a recorded ${exchange} ${method} response${match ? ` matching "${match}"` : ''} in the fixtures`);
  return found;
}

export function recordedRequest(exchange: ExchangeId, method: string, match?: string): RecordedRequest {
  const entries = load<RecordedRequest>(exchange, 'request').methods[method] ?? [];
  const found = entries.find((e) => match === undefined || e.description.includes(match));
  if (!found) throw new Error(`Expected a recorded ${exchange} ${method} request${match ? ` matching "${match}"` : ''} in the fixtures`);
  return found;
}

type JsonKind = 'null' | 'string' | 'number' | 'boolean' | 'array' | 'object';

function kindOf(value: unknown): JsonKind {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' ? t : 'object';
}

/**
 * Where `actual` lacks a field of `recorded` or carries it with another JSON type (a recorded null
 * accepts anything; arrays compare their first elements). Returns one line per difference, with its
 * path, so a failing test says exactly which field the simulator gets wrong. `ignore` lists paths
 * (e.g. `$.result[0].extra`) the simulator deliberately leaves out; say why where it is used.
 */
export function shapeDifferences(actual: unknown, recorded: unknown, ignore: readonly string[] = [], path = '$'): string[] {
  if (ignore.includes(path)) return [];
  const want = kindOf(recorded);
  if (want === 'null') return [];
  const got = kindOf(actual);
  if (got !== want) return [`${path}: recorded ${want}, simulator ${got}`];
  if (want === 'array') {
    const r = recorded as unknown[];
    const a = actual as unknown[];
    return r.length > 0 && a.length > 0 ? shapeDifferences(a[0], r[0], ignore, `${path}[0]`) : [];
  }
  if (want !== 'object') return [];
  const r = recorded as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  return Object.keys(r).flatMap((key) =>
    key in a ? shapeDifferences(a[key], r[key], ignore, `${path}.${key}`) : ignore.includes(`${path}.${key}`) ? [] : [`${path}.${key}: missing`],
  );
}

/**
 * Fields ccxt filled from the recorded real answer that it leaves empty for the simulator's: what a
 * caller of ccxt would see differently. `info` (the raw answer) is compared by `shapeDifferences`.
 */
export function parsedDifferences(actual: unknown, recorded: unknown, ignore: readonly string[] = []): string[] {
  if (kindOf(recorded) !== 'object' || kindOf(actual) !== 'object') return kindOf(actual) === kindOf(recorded) ? [] : [`$: recorded ${kindOf(recorded)}, parsed ${kindOf(actual)}`];
  const r = recorded as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  return Object.keys(r)
    .filter((key) => key !== 'info' && !ignore.includes(key) && kindOf(r[key]) !== 'null')
    .flatMap((key) => (kindOf(a[key]) === kindOf(r[key]) ? [] : [`${key}: recorded ${kindOf(r[key])}, parsed ${kindOf(a[key])}`]));
}
