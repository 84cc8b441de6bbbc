import type { MAX_BOT_PAIRS } from '../../../../src/domain/engine-start.js';
import type { EnginePairsStatus, PairListConfig, StartEngineBody } from '../../api/engine-types';
import type { FieldError } from '../../api/types';

/**
 * The start form's pair list, as pure functions: its text fields, their checks (the same patterns as
 * src/domain/pair-list-config.ts, so most refusals never reach the server) and the request they make.
 */

/** The domain's bound; typed from it (a value import would put zod into the bundle), so it cannot drift. */
export const MAX_PAIRS: typeof MAX_BOT_PAIRS = 50;

/** A unified spot symbol in the exchanges' upper case, as the domain schema requires. */
const SYMBOL = /^[A-Z0-9][A-Z0-9.-]*\/[A-Z0-9][A-Z0-9.-]*$/;
const ASSET = /^[A-Z0-9][A-Z0-9.-]*$/;
const DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;
const WHOLE = /^[1-9]\d*$/;
const isZero = (decimal: string): boolean => /^0(\.0+)?$/.test(decimal);
const MINUTE_MS = 60_000;

export type PairsMode = 'one' | 'several';
export type ListKind = PairListConfig['kind'];

export interface PairListValues {
  kind: ListKind;
  /** Static: symbols separated by commas, spaces or lines. */
  pairsText: string;
  topN: string;
  quote: string;
  minQuoteVolume: string;
  minPrice: string;
  maxSpreadRatio: string;
  refreshMinutes: string;
  /** Empty: every pair of the list may hold a trade. */
  maxOpenTrades: string;
}

export type PairListField = Exclude<keyof PairListValues, 'kind'>;
export type PairListErrors = Partial<Record<PairListField, string>>;

export function initialPairList(previous: EnginePairsStatus | null | undefined, quote: string): PairListValues {
  const values: PairListValues = { kind: 'static', pairsText: '', topN: '10', quote, minQuoteVolume: '', minPrice: '', maxSpreadRatio: '', refreshMinutes: '30', maxOpenTrades: '' };
  if (!previous) return values;
  const list = previous.pairList;
  const maxOpenTrades = String(previous.maxOpenTrades);
  if (list.kind === 'static') return { ...values, kind: 'static', pairsText: list.pairs.join(', '), quote: list.quote, maxOpenTrades };
  return {
    ...values,
    kind: 'dynamic',
    topN: String(list.topN),
    quote: list.quote,
    minQuoteVolume: list.minQuoteVolume ?? '',
    minPrice: list.minPrice ?? '',
    maxSpreadRatio: list.maxSpreadRatio ?? '',
    refreshMinutes: String(Math.max(1, Math.round(list.refreshMs / MINUTE_MS))),
    maxOpenTrades,
  };
}

export function splitPairs(text: string): string[] {
  return text.split(/[\s,;]+/).filter((s) => s !== '');
}

/** The quote currencies of a static list's well-formed pairs, in list order (valid: exactly one). */
export function quotesOf(pairs: readonly string[]): string[] {
  return [...new Set(pairs.filter((p) => SYMBOL.test(p)).map((p) => p.split('/')[1] ?? ''))];
}

/** How many pairs the list holds (static) or asks for (dynamic); null while that is not a valid number. */
export function listSize(values: PairListValues): number | null {
  if (values.kind === 'static') {
    const pairs = splitPairs(values.pairsText);
    return pairs.length > 0 ? new Set(pairs).size : null;
  }
  const n = values.topN.trim();
  return WHOLE.test(n) && Number(n) <= MAX_PAIRS ? Number(n) : null;
}

export function validatePairList(values: PairListValues): PairListErrors {
  const errors: PairListErrors = values.kind === 'static' ? staticErrors(values) : dynamicErrors(values);
  const size = listSize(values) ?? MAX_PAIRS;
  const max = values.maxOpenTrades.trim();
  if (max !== '' && !(WHOLE.test(max) && Number(max) <= size)) errors.maxOpenTrades = `Max open trades must be a whole number from 1 to ${size}.`;
  return errors;
}

function staticErrors(values: PairListValues): PairListErrors {
  const pairs = splitPairs(values.pairsText);
  if (pairs.length === 0) return { pairsText: 'List at least one pair.' };
  const bad = pairs.filter((p) => !SYMBOL.test(p));
  if (bad.length > 0) return { pairsText: `Not a pair in upper case BASE/QUOTE (e.g. BTC/USDT): ${bad.join(', ')}.` };
  const twice = [...new Set(pairs.filter((p, i) => pairs.indexOf(p) !== i))];
  if (twice.length > 0) return { pairsText: `Listed twice: ${twice.join(', ')}.` };
  if (pairs.length > MAX_PAIRS) return { pairsText: `At most ${MAX_PAIRS} pairs per bot (this list has ${pairs.length}).` };
  const quotes = quotesOf(pairs);
  if (quotes.length > 1) return { pairsText: `All pairs must share one quote currency; this list mixes ${quotes.join(', ')}.` };
  return {};
}

function dynamicErrors(values: PairListValues): PairListErrors {
  const errors: PairListErrors = {};
  if (listSize(values) === null) errors.topN = `Top N must be a whole number from 1 to ${MAX_PAIRS}.`;
  if (!ASSET.test(values.quote.trim())) errors.quote = 'Quote must be an asset code in upper case, e.g. USDT.';
  const volume = values.minQuoteVolume.trim();
  if (volume !== '' && !DECIMAL.test(volume)) errors.minQuoteVolume = 'Min quote volume must be a number of at least 0, e.g. 1000000.';
  const price = values.minPrice.trim();
  if (price !== '' && (!DECIMAL.test(price) || isZero(price))) errors.minPrice = 'Min price must be a number above 0, e.g. 0.0001.';
  const spread = values.maxSpreadRatio.trim();
  if (spread !== '' && (!DECIMAL.test(spread) || isZero(spread) || !/^(0(\.\d+)?|1(\.0+)?)$/.test(spread))) {
    errors.maxSpreadRatio = 'Max spread must be a ratio above 0 and at most 1, e.g. 0.005 (0.5 %).';
  }
  if (!WHOLE.test(values.refreshMinutes.trim())) errors.refreshMinutes = 'Rebuild every must be a whole number of minutes, at least 1.';
  return errors;
}

type ListBody = Required<Pick<StartEngineBody, 'pairList' | 'maxOpenTrades'>>;

/**
 * The request's `pairList` and `maxOpenTrades` from valid values. A restarted bot keeps what the
 * form does not show (its blacklist, a volatility filter).
 */
export function pairListBody(values: PairListValues, previous: PairListConfig | undefined): ListBody {
  const size = listSize(values) ?? 1;
  const max = values.maxOpenTrades.trim();
  const maxOpenTrades = max === '' ? size : Number(max);
  const blacklist = previous && previous.blacklist.length > 0 ? { blacklist: [...previous.blacklist] } : {};
  if (values.kind === 'static') {
    const pairs = [...new Set(splitPairs(values.pairsText))];
    return { pairList: { kind: 'static', pairs, quote: quotesOf(pairs)[0] ?? '', ...blacklist }, maxOpenTrades };
  }
  const optional = (key: 'minQuoteVolume' | 'minPrice' | 'maxSpreadRatio'): Partial<Record<typeof key, string>> => {
    const value = values[key].trim();
    return value === '' ? {} : { [key]: value };
  };
  const volatility = previous?.kind === 'dynamic' && previous.volatility ? { volatility: { ...previous.volatility } } : {};
  return {
    pairList: {
      kind: 'dynamic',
      topN: Number(values.topN.trim()),
      quote: values.quote.trim(),
      refreshMs: Number(values.refreshMinutes.trim()) * MINUTE_MS,
      ...optional('minQuoteVolume'),
      ...optional('minPrice'),
      ...optional('maxSpreadRatio'),
      ...volatility,
      ...blacklist,
    },
    maxOpenTrades,
  };
}

const SERVER_FIELDS: Record<string, PairListField> = {
  topN: 'topN',
  minQuoteVolume: 'minQuoteVolume',
  minPrice: 'minPrice',
  maxSpreadRatio: 'maxSpreadRatio',
  refreshMs: 'refreshMinutes',
};

/** The server's field errors (`pairList.topN`, `maxOpenTrades`…) on the form's fields. */
export function serverPairListErrors(errors: readonly FieldError[], kind: ListKind): PairListErrors {
  const out: PairListErrors = {};
  for (const e of errors) {
    const [head, sub = ''] = e.path.split('.');
    let field: PairListField | undefined;
    if (head === 'maxOpenTrades') field = 'maxOpenTrades';
    else if (head === 'pairList') field = SERVER_FIELDS[sub] ?? (kind === 'dynamic' && sub === 'quote' ? 'quote' : kind === 'static' ? 'pairsText' : 'topN');
    if (field && !out[field]) out[field] = e.message;
  }
  return out;
}
