import { RSI } from 'trading-signals';
import { Dec, ZERO } from '../../src/domain/money.js';
import { LIVE_STATUSES } from '../../src/domain/orders.js';
import { CrossDetector, RollingMean } from '../../src/engine/strategies/indicators.js';
import { START_QUOTE } from './harness.js';
import type { RunResult, StepRecord } from './run-record.js';

/**
 * The soak's invariants, each checked on a finished run. A violation says what was expected and what
 * happened, naming candles, orders and trade ids, so it can be read next to the run's trace.
 */
export const INVARIANTS = ['ledger.fills', 'ledger.base', 'ledger.quote', 'orders.map', 'no-stall', 'flatten', 'es.cancels', 'recovers', 'grid.levels'] as const;
export type InvariantId = (typeof INVARIANTS)[number];

export const INVARIANT_TITLES: Readonly<Record<InvariantId, string>> = {
  'ledger.fills': 'every trade at the exchange is a stored fill, and every stored fill is a trade at the exchange',
  'ledger.base': "the exchange's base balance equals CTS's position up to dust (less than the market's step)",
  'ledger.quote': "the exchange's quote balance equals the starting balance plus the stored fills' cash flows",
  'orders.map': 'every order at the exchange maps to exactly one stored order (by client id), and an open one is live in the store',
  'no-stall': 'the strategy trades again whenever its signal says so (defined per strategy)',
  flatten: 'an emergency stop with flatten leaves less than one step of base, or reports that it could not',
  'es.cancels': 'an emergency stop leaves no order of ours open at the exchange, or says which may remain',
  recovers: 'an engine that saw only transient faults (and user restarts after emergency stops) is running at the end',
  'grid.levels': 'a (restarted) grid holds at most one open order per price level and side',
};

/** One line per scenario: which invariants fail and their first violation (SOAK_SUMMARY=1, to update known-failures.ts). */
export function summary(result: RunResult, invariants: readonly InvariantId[]): string {
  const failing = invariants.map((inv) => [inv, check(result, inv)[0]] as const).filter(([, v]) => v !== undefined);
  return `SOAK SUMMARY ${result.scenario.name} seed ${result.scenario.seed}: ${JSON.stringify(Object.fromEntries(failing))}`;
}

export function check(result: RunResult, invariant: InvariantId): string[] {
  switch (invariant) {
    case 'ledger.fills':
      return ledgerFills(result);
    case 'ledger.base':
      return ledgerBase(result);
    case 'ledger.quote':
      return ledgerQuote(result);
    case 'orders.map':
      return ordersMap(result);
    case 'no-stall':
      return noStall(result);
    case 'flatten':
      return flatten(result);
    case 'es.cancels':
      // During an outage nothing can be cancelled: then the stop must say so (refused, or its status
      // names what may remain), never answer a plain "stopped".
      return result.emergencyStops
        .filter((es) => !es.refused && !/may (still be live|remain)|incomplete/i.test(es.lastError ?? ''))
        .flatMap((es) => es.openAfter.map((o) => `emergency stop at candle ${es.at}: ${o.side} @ ${o.price} (${o.clientOrderId}) still open at the exchange afterwards, and the stop did not say so`));
    case 'recovers':
      return recovers(result);
    case 'grid.levels':
      return result.duplicateLevels.slice(0, 10);
  }
}

function ledgerFills(r: RunResult): string[] {
  const stored = new Map(r.stored.fills.map((f) => [f.tradeId, f]));
  const atExchange = new Set(r.exchange.fills.map((f) => f.tradeId));
  const byOrderId = new Map(r.exchange.orders.map((o) => [o.orderId, o]));
  const out: string[] = [];
  for (const f of r.exchange.fills) {
    const mine = stored.get(f.tradeId);
    const client = byOrderId.get(f.orderId)?.clientOrderId ?? '?';
    if (!mine) out.push(`trade ${f.tradeId} (order ${f.orderId}, client id ${client}): ${f.side} ${f.qty} @ ${f.price} happened at the exchange but is not a stored fill`);
    else if (!new Dec(mine.amount).eq(f.qty) || !new Dec(mine.price).eq(f.price)) out.push(`trade ${f.tradeId}: exchange ${f.qty} @ ${f.price}, stored ${mine.amount} @ ${mine.price}`);
  }
  for (const f of r.stored.fills) if (!atExchange.has(f.tradeId)) out.push(`stored fill ${f.tradeId} (${f.side} ${f.amount}) is not a trade of this account at the exchange`);
  return out;
}

function ledgerBase(r: RunResult): string[] {
  const diff = new Dec(r.exchange.base).sub(r.afterStop.position);
  if (diff.abs().lt(r.exchange.step)) return [];
  const snapshot = (r.afterStop.status.positions as { symbol: string; baseFees: string }[] | undefined)?.find((p) => p.symbol === r.scenario.symbol);
  return [
    `the exchange holds ${r.exchange.base} ${base(r)} (free + locked), CTS's position is ${r.afterStop.position} (difference ${diff.toFixed()}, dust is < ${r.exchange.step}; CTS counts ${snapshot?.baseFees ?? '?'} ${base(r)} of base fees beside it)`,
  ];
}

function ledgerQuote(r: RunResult): string[] {
  const quoteAsset = r.scenario.symbol.split('/')[1] ?? '';
  let expected = new Dec(START_QUOTE);
  for (const f of r.stored.fills) {
    const value = new Dec(f.price).mul(f.amount);
    expected = f.side === 'buy' ? expected.sub(value) : expected.add(value);
    if (f.feeAsset === quoteAsset) expected = expected.sub(f.fee);
  }
  const diff = new Dec(r.exchange.quote).sub(expected);
  return diff.abs().lte('0.000001') ? [] : [`the exchange holds ${r.exchange.quote} ${quoteAsset}, the stored fills say ${expected.toFixed()} (difference ${diff.toFixed()})`];
}

function ordersMap(r: RunResult): string[] {
  const stored = new Map(r.stored.orders.map((o) => [o.clientOrderId, o]));
  const out: string[] = [];
  const seen = new Map<string, number>();
  for (const o of r.exchange.orders) seen.set(o.clientOrderId, (seen.get(o.clientOrderId) ?? 0) + 1);
  for (const o of r.exchange.orders) {
    const mine = stored.get(o.clientOrderId);
    if (!mine) out.push(`exchange order ${o.orderId} (${o.side} ${o.type} @ ${o.price}, ${o.status}) has client id ${o.clientOrderId}, which no stored order has`);
    else if ((seen.get(o.clientOrderId) ?? 0) > 1) out.push(`client id ${o.clientOrderId} is on ${seen.get(o.clientOrderId)} exchange orders`);
    else if ((o.status === 'new' || o.status === 'partially_filled') && !LIVE_STATUSES.includes(mine.status)) {
      out.push(`order ${o.clientOrderId} (${o.side} @ ${o.price}) rests at the exchange but is stored ${mine.status}: nobody manages it`);
    } else if (mine.exchangeOrderId !== null && mine.exchangeOrderId !== o.orderId) out.push(`order ${o.clientOrderId}: stored exchange id ${mine.exchangeOrderId}, exchange says ${o.orderId}`);
  }
  const ours = new Set(r.exchange.orders.map((o) => o.clientOrderId));
  for (const o of r.stored.orders) {
    if (o.exchangeOrderId !== null && !ours.has(o.clientOrderId)) out.push(`stored order ${o.clientOrderId} (${o.status}) has exchange id ${o.exchangeOrderId} but the exchange has no order with its client id`);
  }
  return out;
}

// ---- no stall ---------------------------------------------------------------------------------------------

/** Steps of the fault-free tail where the engine runs, after the last (re)start plus two candles of catch-up. */
function tailSteps(r: RunResult): StepRecord[] {
  const lastStart = r.starts.at(-1)?.at ?? 0;
  const from = Math.max(r.scenario.candles - r.scenario.tail, lastStart) + 2;
  return r.steps.filter((s) => s.i >= from && s.state === 'running');
}

function sellable(r: RunResult, baseAmount: string, close: string): boolean {
  return new Dec(baseAmount).gte(r.exchange.minAmount) && new Dec(baseAmount).mul(close).gte(r.exchange.minNotional);
}

function noStall(r: RunResult): string[] {
  const tail = tailSteps(r);
  if (tail.length < 10) return [`only ${tail.length} candles of the fault-free tail ran (state at the end: ${r.final.state}); the strategy cannot be checked`];
  switch (r.scenario.strategy) {
    case 'sma-crossover':
      return signalStall(r, tail, smaSignals(r));
    case 'rsi-mean-reversion':
      return signalStall(r, tail, rsiSignals(r));
    case 'grid':
      return gridStall(r, tail);
    case 'dca':
      return dcaStall(r, tail);
  }
}

type Signal = 1 | -1 | 0;

/** SMA crossover: +1 where fast crosses above slow at that close, −1 below (the strategy's own indicators). */
function smaSignals(r: RunResult): Map<number, Signal> {
  const { fast, slow } = r.scenario.params as { fast: number; slow: number };
  const f = new RollingMean(fast);
  const s = new RollingMean(slow);
  const cross = new CrossDetector();
  const out = new Map<number, Signal>();
  r.closes.forEach((close, i) => out.set(i, cross.update(f.update(close), s.update(close))));
  return out;
}

/**
 * RSI: the strategy's RSI restarts with each engine start from its warm-up window, so the shadow does
 * too (from the last start). Signals within 3 points of a threshold are left out (rounding of floats).
 */
function rsiSignals(r: RunResult): Map<number, Signal> {
  const { period, oversold, overbought } = r.scenario.params as { period: number; oversold: number; overbought: number };
  const start = r.starts.at(-1);
  const out = new Map<number, Signal>();
  if (!start) return out;
  const rsi = new RSI(period);
  r.closes.forEach((close, i) => {
    if (i < start.pathIndex - period) return;
    rsi.add(close);
    const value = rsi.getResult();
    if (value === null) return;
    out.set(i, value < oversold - 3 ? 1 : value > overbought + 3 ? -1 : 0);
  });
  return out;
}

/** An entry signal while the account holds nothing sellable must buy; an exit signal while it holds a sellable amount must sell. */
function signalStall(r: RunResult, tail: StepRecord[], signals: Map<number, Signal>): string[] {
  const out: string[] = [];
  for (const step of tail) {
    const signal = signals.get(step.pathIndex) ?? 0;
    if (signal === 0 || step.openBefore > 0) continue;
    const holds = sellable(r, step.baseBefore, step.close);
    const want = signal > 0 && !holds ? 'buy' : signal < 0 && holds ? 'sell' : null;
    if (want && !step.created.some((o) => o.side === want)) {
      out.push(`candle ${step.i} (close ${step.close}): ${signal > 0 ? 'entry' : 'exit'} signal, the account holds ${step.baseBefore} ${base(r)} → expected a ${want}, the engine placed ${describeCreated(step)}${rejections(r, step)}`);
    }
  }
  return out;
}

/** Grid: a completed buy at a level is followed by a sell one level up; a completed sell by a new buy at its cell's level once the price is above it. */
function gridStall(r: RunResult, tail: StepRecord[]): string[] {
  const { lower, upper, levels } = r.scenario.params as { lower: string; upper: string; levels: number };
  const step = new Dec(upper).sub(lower).div(levels - 1);
  const level = Array.from({ length: levels }, (_, k) => new Dec(lower).add(step.mul(k)));
  const indexOf = (price: string): number => level.findIndex((l) => l.eq(price));
  const out: string[] = [];
  const last = tail.at(-1)?.i ?? 0;
  for (const s of tail) {
    for (const f of s.fills) {
      if (!f.orderFilled) continue;
      const k = indexOf(f.price);
      if (k < 0) continue;
      const window = tail.filter((t) => t.i >= s.i && t.i <= s.i + 2);
      if (f.side === 'buy' && k + 1 < levels && s.i + 2 <= last) {
        const wanted = level[k + 1]?.toFixed() ?? '';
        if (!window.some((t) => t.created.some((o) => o.side === 'sell' && o.price !== null && new Dec(o.price).eq(wanted)))) {
          out.push(`candle ${s.i}: grid buy ${f.clientOrderId} filled at level ${k} (${f.price}); expected a sell at ${wanted} within 2 candles, got ${window.map(describeCreated).join('; ')}${rejections(r, s)}`);
        }
      }
      if (f.side === 'sell' && k >= 1) {
        const buyAt = level[k - 1] ?? ZERO;
        // The tick of the candle that filled the sell already sees it done and may buy at once.
        const due = tail.find((t) => t.i >= s.i && new Dec(t.close).gt(buyAt));
        if (!due || due.i + 1 > last) continue;
        const later = tail.filter((t) => t.i >= s.i && t.i <= due.i + 1);
        if (!later.some((t) => t.created.some((o) => o.side === 'buy' && o.price !== null && new Dec(o.price).eq(buyAt)))) {
          out.push(`candle ${s.i}: grid sell ${f.clientOrderId} filled at level ${k} (${f.price}); the close rose above ${buyAt.toFixed()} at candle ${due.i}, expected a new buy there, got none${rejections(r, due)}`);
        }
      }
    }
  }
  return out;
}

/** DCA buys every `intervalCandles`: every run of that many running candles with nothing open must place an order. */
function dcaStall(r: RunResult, tail: StepRecord[]): string[] {
  const n = (r.scenario.params as { intervalCandles: number }).intervalCandles;
  const out: string[] = [];
  for (let j = 0; j + n <= tail.length; j++) {
    const window = tail.slice(j, j + n);
    const first = window[0];
    const end = window.at(-1);
    if (!first || !end || end.i - first.i !== n - 1 || first.openBefore > 0) continue;
    if (!window.some((s) => s.created.length > 0)) {
      out.push(`candles ${first.i}–${end.i}: a buy is due every ${n} candles, none was placed (account holds ${first.baseBefore} ${base(r)})${rejections(r, end)}`);
      j += n - 1;
    }
  }
  return out;
}

// ---- stops and recovery ------------------------------------------------------------------------------------

const REPORT_EVENTS = new Set(['engine.flatten_incomplete', 'engine.flatten_refused']);

function flatten(r: RunResult): string[] {
  const out: string[] = [];
  for (const es of r.emergencyStops) {
    // A refusal (409: the engine was not running, e.g. after a failed resume) says it could not.
    if (!es.flatten || es.refused) continue;
    if (new Dec(es.baseAfter).lt(r.exchange.step)) continue;
    const after = r.stored.events.filter((e) => (e.seq ?? 0) > es.seqBefore);
    const reported = after.some((e) => REPORT_EVENTS.has(e.type)) || Object.entries(es.statusFields).some(([k, v]) => /flatten/i.test(k) && v !== null && v !== false && v !== undefined);
    if (reported) continue;
    const stopped = after.find((e) => e.type === 'engine.stopped');
    out.push(
      `emergency stop with flatten at candle ${es.at}${es.fillsDuringCancel ? ' (resting buys filled while their cancels were in flight)' : ''}: the exchange still holds ${es.baseAfter} ${base(r)} (≥ one step ${r.exchange.step}), CTS's position reads ${es.positionAfter}, and nothing reports it (engine.stopped: ${JSON.stringify(stopped?.payload ?? null)})`,
    );
  }
  return out;
}

function recovers(r: RunResult): string[] {
  if (r.final.state === 'running') return [];
  const errors = r.stored.events.filter((e) => e.type === 'engine.error' || e.type === 'engine.resume_failed').map((e) => `${e.type} ${JSON.stringify(e.payload)}`);
  const retries = r.stored.events.filter((e) => e.type === 'engine.retry').length;
  return [`the engine ends ${r.final.state} (last error: ${r.final.lastError ?? 'none'}) after ${retries} retries; ${errors.slice(-2).join('; ')}`];
}

// ---- helpers ---------------------------------------------------------------------------------------------------

function base(r: RunResult): string {
  return r.scenario.symbol.split('/')[0] ?? '';
}

function describeCreated(step: StepRecord): string {
  return step.created.length === 0 ? 'nothing' : step.created.map((o) => `${o.side} ${o.amount}${o.price ? ` @ ${o.price}` : ''} (${o.status})`).join(', ');
}

/** The risk refusals and order rejections the engine published around a candle (why it did nothing). */
function rejections(r: RunResult, step: StepRecord): string {
  const reasons = new Set<string>();
  for (const o of step.created) if (o.status === 'rejected') reasons.add(`${o.clientOrderId} rejected`);
  const found = r.stored.events.filter((e) => e.type === 'risk.rejected' || e.type === 'order.rejected').map((e) => String((e.payload as { reason?: unknown; error?: unknown }).reason ?? (e.payload as { error?: unknown }).error ?? ''));
  const last = found.at(-1);
  if (last) reasons.add(`last refusal: "${last}" (${found.length} in the run)`);
  return reasons.size > 0 ? `; ${[...reasons].join('; ')}` : '';
}
