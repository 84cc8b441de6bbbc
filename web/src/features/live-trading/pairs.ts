import type { EnginePairsStatus, EngineStatus, PairListConfig } from '../../api/engine-types';

/** Words for a bot's market(s): one symbol, or its pair list. */

/** "3 pairs" for a fixed list, "top 10 USDT" for a dynamic one. */
export function pairListLabel(list: PairListConfig): string {
  if (list.kind === 'dynamic') return `top ${list.topN} ${list.quote}`;
  return `${list.pairs.length} ${list.pairs.length === 1 ? 'pair' : 'pairs'}`;
}

/** What the bot trades, for lists and headings: its symbol or its pair list. */
export function botMarket(status: Pick<EngineStatus, 'symbol' | 'pairs'>): string {
  if (status.pairs) return pairListLabel(status.pairs.pairList);
  return status.symbol ?? '—';
}

/** The bot's quote currency (`BTC/USDT:USDT` → USDT); empty when unknown. */
export function botQuote(status: Pick<EngineStatus, 'symbol' | 'pairs'>): string {
  if (status.pairs) return status.pairs.pairList.quote;
  return status.symbol?.split('/')[1]?.split(':')[0] ?? '';
}

/** How the list is chosen, in one sentence. */
export function describePairList(list: PairListConfig): string {
  const blacklist = list.blacklist.length > 0 ? ` Blacklist: ${list.blacklist.join(', ')}.` : '';
  if (list.kind === 'static') return `A fixed list quoted in ${list.quote}.${blacklist}`;
  const filters = [
    list.minQuoteVolume ? `24 h quote volume at least ${list.minQuoteVolume}` : null,
    list.minPrice ? `price at least ${list.minPrice}` : null,
    list.maxSpreadRatio ? `spread at most ${list.maxSpreadRatio}` : null,
    list.volatility ? `volatility ${[list.volatility.min ? `≥ ${list.volatility.min}` : null, list.volatility.max ? `≤ ${list.volatility.max}` : null].filter(Boolean).join(' and ')}` : null,
  ].filter((f): f is string => f !== null);
  const minutes = Math.round(list.refreshMs / 60_000);
  return `The top ${list.topN} ${list.quote} pairs by 24 h quote volume${filters.length > 0 ? ` (${filters.join(', ')})` : ''}, rebuilt every ${minutes} min.${blacklist}`;
}

/** "N pairs · open trades X / max · list built at …" */
export function pairsSummary(pairs: EnginePairsStatus, time: (iso: string) => string): string {
  const n = pairs.pairs.length;
  const built = pairs.builtAt ? `list built at ${time(pairs.builtAt)}` : 'list not built yet';
  return `${n} ${n === 1 ? 'pair' : 'pairs'} · open trades ${pairs.openTrades} / ${pairs.maxOpenTrades} · ${built}`;
}
