import { Portfolio, markViews, withMark, type MarkBook } from '../accounting/index.js';
import { allowedActions, type EngineState } from '../../domain/engine-state.js';
import type { EngineRunner } from './engine-runner.js';
import { FLATTEN_NOT_REQUESTED } from './flatten.js';
import type { EnginePairView, EnginePairsStatus, EngineStatus, FlattenOutcome, PositionGap } from '../../domain/engine-status.js';
import type { EngineRecord } from './ports.js';
import type { OrderRecord } from '../../domain/orders.js';
import type { PositionSnapshot } from '../../domain/positions.js';
import { isDerivativeSymbol } from '../accounting/position-ledger.js';
import { DECIMAL_PATTERN, Dec } from '../../domain/money.js';
import { withDerivativesFigures } from './derivatives-view.js';

export interface StatusInput {
  record: Readonly<EngineRecord>;
  runner?: EngineRunner;
  portfolio?: Portfolio;
  now: number;
  openOrders: OrderRecord[];
  /** The last flatten of an engine whose runner has exited. */
  flatten?: FlattenOutcome;
}

export function buildStatus(input: StatusInput): EngineStatus {
  const { record, runner } = input;
  const state: EngineState = record?.state ?? 'stopped';
  const portfolio = runner?.portfolio ?? input.portfolio ?? new Portfolio();
  // The running tick's mark is the newest; the row keeps the last one of every symbol after a stop.
  const { marks, details } = markViews(currentMarks(record, runner));
  const multi = record.pairList ? true : false;
  const mark = multi ? null : (marks.get(record.symbol) ?? null);
  const active = state === 'running' || state === 'paused' || state === 'starting' || state === 'stopping';
  const startedAt = record?.startedAt ?? null;
  return {
    id: record.id,
    connectionId: record.connectionId,
    budget: record.budget ?? null,
    budgetQuote: runner?.budgetQuote ? runner.budgetQuote.toFixed() : null,
    state,
    allowedActions: allowedActions(state),
    strategy: record?.strategy ?? null,
    params: record?.params ?? null,
    symbol: multi ? null : record.symbol,
    pairs: pairsStatus(record, runner, marks),
    timeframe: record?.timeframe ?? null,
    risk: record?.risk ?? null,
    options: record?.options ?? null,
    startedAt,
    stoppedAt: record?.stoppedAt ?? null,
    uptimeMs: active && startedAt ? Math.max(0, input.now - Date.parse(startedAt)) : null,
    lastHeartbeatAt: record?.lastHeartbeatAt ?? null,
    lastError: record?.lastError ?? null,
    resumeOnRestart: record?.resume ?? false,
    consecutiveFailures: runner?.consecutiveFailures ?? 0,
    exchange: runner?.exchange ?? null,
    feed: runner?.feed ? { ...runner.feed } : null,
    accountFeed: runner?.accountFeed ? { ...runner.accountFeed } : null,
    candlesProcessed: runner?.lanes.candlesProcessed ?? 0,
    lastPrice: mark ? mark.toFixed() : null,
    positions: runner ? runner.lanes.withLiquidation(portfolio.positions(marks, details)) : stoppedPositions(record, portfolio.positions(marks, details)),
    ...positionGaps(runner),
    openOrders: input.openOrders,
    pnl: portfolio.summary(marks),
    flatten: runner?.flattenOutcome ?? input.flatten ?? FLATTEN_NOT_REQUESTED,
  };
}

function positionGaps(runner: EngineRunner | undefined): { positionGaps?: PositionGap[] } {
  const gaps: PositionGap[] = [];
  for (const lane of runner?.lanes.all() ?? []) {
    const gap = lane.tick.positionGap;
    if (gap) gaps.push({ symbol: lane.symbol, ours: gap.ours, exchange: gap.exchange });
  }
  return gaps.length > 0 ? { positionGaps: gaps } : {};
}

function currentMarks(record: Readonly<EngineRecord> | undefined, runner: EngineRunner | undefined): MarkBook | undefined {
  let book = record?.marks;
  for (const lane of runner?.lanes.all() ?? []) {
    const live = lane.tick.storedMark();
    if (live) book = withMark(book, lane.symbol, live);
  }
  return book;
}

const MAX_REJECTED = 100;

/** A multi-pair bot's list and its pairs; while it does not run here, the configured pairs without live detail. */
function pairsStatus(record: Readonly<EngineRecord>, runner: EngineRunner | undefined, marks: ReadonlyMap<string, { toFixed(): string }>): EnginePairsStatus | null {
  const config = record.pairList;
  if (!config) return null;
  const maxOpenTrades = record.maxOpenTrades ?? (config.kind === 'static' ? config.pairs.length : config.topN);
  const list = runner?.pairList ?? null;
  if (!runner) {
    const pairs = config.kind === 'static' ? config.pairs : [];
    const views = pairs.map((symbol) => ({ symbol, role: 'tradable' as const, holdsSlot: false, candlesProcessed: 0, lastPrice: marks.get(symbol)?.toFixed() ?? null, lastCandleAt: null }));
    return { pairList: config, maxOpenTrades, openTrades: 0, builtAt: null, pairs: views, rejected: [] };
  }
  const lanes = runner.lanes;
  const ordered = [...lanes.all()].sort((a, b) => (a.role === b.role ? 0 : a.role === 'tradable' ? -1 : 1));
  const pairs: EnginePairView[] = ordered.map((lane) => {
    const time = lane.tick.lastCandleTime;
    return {
      symbol: lane.symbol,
      role: lane.role,
      holdsSlot: lanes.holdsSlot(lane.symbol),
      candlesProcessed: lane.tick.candlesProcessed,
      lastPrice: lane.tick.mark ? lane.tick.mark.toFixed() : null,
      lastCandleAt: time === null ? null : new Date(time + runner.timeframeMs).toISOString(),
    };
  });
  const snapshot = list?.current ?? null;
  return {
    pairList: config,
    maxOpenTrades,
    openTrades: lanes.openTrades,
    builtAt: snapshot ? new Date(snapshot.builtAt).toISOString() : null,
    pairs,
    rejected: (snapshot?.rejected ?? []).slice(0, MAX_REJECTED).map((r) => ({ symbol: r.symbol, reason: r.reason })),
  };
}

/**
 * A bot not running here still holds what its books hold: its perpetual positions get the same
 * figures from its stored risk settings, the liquidation price to 8 decimals (the row keeps no tick).
 */
function stoppedPositions(record: Readonly<EngineRecord>, positions: readonly PositionSnapshot[]): PositionSnapshot[] {
  const stored = record.risk['leverage'];
  const leverage = typeof stored === 'string' && DECIMAL_PATTERN.test(stored) && new Dec(stored).gte(1) ? new Dec(stored) : new Dec(1);
  return positions.map((p) => (isDerivativeSymbol(p.symbol) ? withDerivativesFigures(p, leverage, null) : p));
}
