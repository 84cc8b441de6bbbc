import { toDecimalString, type Dec, type DecimalString } from '../../domain/money.js';
import type { BacktestTrade, EventList, ReportTrade } from '../../domain/backtest-report.js';
import type { EventLog, RunEvent } from './run-events.js';

/** How reports write times, percentages, trades and events. Percentages of money keep 4 decimals. */

const PCT_SCALE = 4;

export function reportTrade(t: BacktestTrade): ReportTrade {
  return { ...t, entryTime: iso(t.entryTime), exitTime: t.exitTime === null ? null : iso(t.exitTime), fills: t.fills.map((f) => ({ ...f, time: iso(f.time) })) };
}

/** `named`: each message starts with the pair it concerns (a run of several pairs). */
export function events(list: EventLog, named: boolean): EventList {
  return { count: list.count, samples: list.samples.map((e) => event(e, named)) };
}

export function event(e: RunEvent, named = false): { time: string; message: string } {
  return { time: iso(e.time), message: named && e.symbol !== undefined ? `${e.symbol}: ${e.message}` : e.message };
}

export function pct(part: Dec, whole: Dec): DecimalString {
  return whole.isZero() ? '0' : toDecimalString(part.div(whole).mul(100).toDecimalPlaces(PCT_SCALE));
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
