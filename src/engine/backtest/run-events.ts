/**
 * What a backtest run notes besides its fills: refused orders, strategy failures and the kill switch,
 * each at the candle close it happened. A run keeps the count of all and the first few as samples.
 */

export interface RunEvent {
  time: number;
  message: string;
  /** The pair it concerns; absent for the kill switch, which stops the whole run. */
  symbol?: string;
}

export interface EventLog {
  count: number;
  samples: RunEvent[];
}

const MAX_SAMPLES = 20;

export function newEventLog(): EventLog {
  return { count: 0, samples: [] };
}

export function record(log: EventLog, event: RunEvent): void {
  log.count++;
  if (log.samples.length < MAX_SAMPLES) log.samples.push(event);
}
