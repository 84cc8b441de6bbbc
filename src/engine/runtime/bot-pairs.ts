import { MAX_BOT_PAIRS, type StartEngineRequest } from '../../domain/engine-start.js';
import { ValidationError } from '../../domain/errors.js';
import type { PairListConfig } from '../../domain/pair-list-config.js';
import { DEFAULT_MIN_GAP_MS, maxPairsPerRound } from '../pairs/multi-pair-feed.js';
import type { PairList, PairListSnapshot } from '../pairs/pair-list.js';
import { pairsForRounds } from '../pairs/round-pairs.js';
import { informativeInputs, type StrategyDefinition } from '../strategy.js';
import type { BotLanes } from './bot-lanes.js';
import { describe } from './order-manager.js';

/**
 * What a bot trades, decided at start: one `symbol`, or a pair list (static or dynamic) with
 * `maxOpenTrades`; and, while it runs, which pairs the feed reads each round.
 */

export type BotPairs = { kind: 'single'; symbol: string } | { kind: 'list'; config: PairListConfig; maxOpenTrades: number };

/** Exactly one of `symbol` and `pairList`; a list no longer than one candle's requests allow. */
export function checkPairsRequest(request: StartEngineRequest, timeframeMs: number): BotPairs {
  const { symbol, pairList } = request;
  if (symbol !== undefined && pairList !== undefined) {
    throw new ValidationError('Give either symbol (one pair) or pairList (several), not both', [{ path: 'pairList', message: 'not with symbol' }]);
  }
  if (pairList === undefined) {
    if (symbol === undefined) throw new ValidationError('Give the pair to trade (symbol) or a pair list (pairList)', [{ path: 'symbol', message: 'required (or pairList)' }]);
    if (request.maxOpenTrades !== undefined) throw new ValidationError('maxOpenTrades applies to a pair list', [{ path: 'maxOpenTrades', message: 'only with pairList' }]);
    return { kind: 'single', symbol };
  }
  const size = pairList.kind === 'static' ? new Set(pairList.pairs).size : pairList.topN;
  const field = pairList.kind === 'static' ? 'pairList.pairs' : 'pairList.topN';
  if (size > MAX_BOT_PAIRS) throw new ValidationError(`A bot trades at most ${MAX_BOT_PAIRS} pairs; this list has ${size}`, [{ path: field, message: `at most ${MAX_BOT_PAIRS}` }]);
  // One candle request per pair per candle, paced for the strictest public limit (multi-pair-feed.ts).
  const fits = maxPairsPerRound(timeframeMs, DEFAULT_MIN_GAP_MS, 1_000);
  if (size > fits) {
    throw new ValidationError(`${size} pairs do not fit one ${request.timeframe} candle at one request per ${DEFAULT_MIN_GAP_MS} ms (at most ${fits}); choose a longer timeframe or fewer pairs`, [
      { path: field, message: `at most ${fits} on ${request.timeframe}` },
    ]);
  }
  return { kind: 'list', config: pairList, maxOpenTrades: request.maxOpenTrades ?? size };
}

/** The label a pair-list bot's row is listed under: its first pair, or "ANY/QUOTE" for a dynamic list. */
export function pairsLabel(config: PairListConfig): string {
  return config.kind === 'static' ? (config.pairs[0] as string) : `ANY/${config.quote}`;
}

/** How a bot's pairs read in messages: "XRP/USDT", "3 pairs (ADA/USDT, …)", "top 10 USDT pairs". */
export function describePairs(record: { symbol: string; pairList?: PairListConfig | null }): string {
  const list = record.pairList;
  if (!list) return record.symbol;
  if (list.kind === 'dynamic') return `top ${list.topN} ${list.quote} pairs`;
  const shown = list.pairs.slice(0, 3).join(', ');
  return `${list.pairs.length} pairs (${shown}${list.pairs.length > 3 ? ', …' : ''})`;
}

/**
 * Live and paper bots feed a strategy only its own pair's candles at its own timeframe. A strategy
 * that declares informative inputs (other pairs, other timeframes) would get none: refused at start
 * instead of trading on inputs it never sees. Backtests feed them.
 */
export function refuseInformative(definition: StrategyDefinition, params: unknown): void {
  const inputs = informativeInputs(definition, params);
  if (inputs.length === 0) return;
  const named = inputs.map((i) => `${i.symbol ?? 'own pair'}@${i.timeframe ?? 'own timeframe'}`).join(', ');
  throw new ValidationError(
    `Strategy "${definition.id}" declares informative inputs (${named}); live, paper and replay bots do not feed them yet, only backtests do. Run it in a backtest, or without informative inputs.`,
    [{ path: 'strategy', message: 'declares informative inputs' }],
  );
}

/** The first build of a bot's list: it must leave at least one pair to trade. */
export function checkFirstBuild(snapshot: PairListSnapshot): void {
  if (snapshot.pairs.length > 0) return;
  const why = snapshot.rejected.slice(0, 10).map((r) => `${r.symbol}: ${r.reason}`).join('; ');
  throw new ValidationError(`No pair of the list can trade${why ? ` (${why}${snapshot.rejected.length > 10 ? '; …' : ''})` : ''}`, [{ path: 'pairList', message: 'no tradable pair' }]);
}

export interface RoundDeps {
  list: PairList;
  /** The bot's lanes once its runner exists. */
  lanes: () => BotLanes | undefined;
  /** Most pairs one round can read (multi-pair-feed.ts capacity). */
  capacity: number;
  emit: (type: string, payload: Readonly<Record<string, unknown>>) => Promise<void>;
}

/**
 * The feed's question each round (pairs-for-rounds.ts reads and refreshes the list): listed pairs are
 * marked tradable and held ones that left it managed; a change of the list is an event. Held pairs
 * are read first, so a full round never drops a pair the bot must still exit.
 */
export function roundPairs(d: RoundDeps): (now: number) => Promise<readonly string[]> {
  const read = pairsForRounds(
    d.list,
    () => d.lanes()?.heldSymbols() ?? [],
    (error) => void d.emit('engine.pairs_refresh_failed', { error: describe(error), keeping: [...(d.list.current?.pairs ?? [])] }).catch(() => undefined),
  );
  return async (now) => {
    const before = d.list.current?.pairs ?? [];
    const pairs = await read(now);
    const listed = d.list.current?.pairs ?? [];
    const added = listed.filter((s) => !before.includes(s));
    const removed = before.filter((s) => !listed.includes(s));
    if (added.length > 0 || removed.length > 0) await d.emit('engine.pairs_changed', { pairs: [...listed], added, removed });
    const tradable = new Set(listed);
    d.lanes()?.setRoles(tradable);
    const managed = pairs.filter((s) => !tradable.has(s));
    return [...managed, ...pairs.filter((s) => tradable.has(s)).slice(0, Math.max(0, d.capacity - managed.length))];
  };
}
