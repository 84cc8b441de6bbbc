import type { Dec } from '../../domain/money.js';
import type { DustRules } from '../accounting/dust.js';
import type { PositionLedger } from '../accounting/position-ledger.js';
import type { CandleSeries } from '../../domain/candles.js';
import { checkDailyLoss, checkProtections, rollDailyBaseline, stopLossLevel, takeProfitLevel, trailingStopLevel, type DailyPnlBaseline, type RiskConfig } from '../risk.js';
import type { ExitIntent } from '../strategy.js';
import type { TotalEquity } from './total-equity.js';

/**
 * Per-candle risk checks (stop-loss / take-profit and the daily loss limit) without decimal work on
 * ordinary candles: a double pre-check with a safety margin decides "clearly not triggered", and only
 * otherwise the exact decimal checks in risk.ts decide. The margin (1e-9 relative) is far wider than
 * double rounding, so the fast path never hides a trigger the exact check would see.
 */
const MARGIN = 1e-9;
const DAY_MS = 86_400_000;

export class ProtectionGuard {
  readonly #config: RiskConfig;
  readonly #market: DustRules | undefined;
  readonly enabled: boolean;
  /** Close prices between which nothing can trigger; NaN bounds mean "always check exactly". */
  #low = Number.NaN;
  #high = Number.NaN;

  /** `market`: a dust position (too small to sell there) has no protections, as in the engine. */
  constructor(config: RiskConfig, market?: DustRules) {
    this.#config = config;
    this.#market = market;
    this.enabled = config.stopLossPct !== undefined || config.takeProfitPct !== undefined || config.trailingStopPct !== undefined;
  }

  /**
   * The position (or the trailing stop's best price) changed: recompute the safe band around its
   * average entry, the trailing stop's level included.
   */
  onPosition(ledger: PositionLedger, best: Dec | null = null): void {
    if (!this.enabled) return;
    const entry = ledger.averageEntryPrice;
    if (entry === null) return;
    const long = ledger.side === 'long';
    const stops = [stopLossLevel(long, entry, this.#config), trailingStopLevel(long, entry, best, this.#config)].filter((p) => p !== null).map((p) => p.toNumber());
    const tp = takeProfitLevel(long, entry, this.#config);
    const stop = stops.length === 0 ? (long ? -Infinity : Infinity) : long ? Math.max(...stops) : Math.min(...stops);
    const take = tp === null ? (long ? Infinity : -Infinity) : tp.toNumber();
    this.#low = Math.min(stop, take) * (1 + MARGIN);
    this.#high = Math.max(stop, take) * (1 - MARGIN);
  }

  check(ledger: PositionLedger, series: CandleSeries, i: number, best: Dec | null = null): ExitIntent | null {
    if (!this.enabled || ledger.quantity.isZero()) return null;
    const close = series.close(i);
    if (close > this.#low && close < this.#high) return null;
    return checkProtections({
      position: ledger.quantity,
      averageEntry: ledger.averageEntryPrice,
      mark: series.decimal('close', i),
      config: this.#config,
      best,
      ...(this.#market ? { market: this.#market } : {}),
    });
  }
}

export class DailyLossGuard {
  readonly #config: RiskConfig;
  readonly enabled: boolean;
  readonly #limit: number;
  readonly #starting: Dec;
  readonly #startingNumber: number;
  #day = Number.NaN;
  #baseline: DailyPnlBaseline | null = null;
  #baselineNumber = 0;

  constructor(config: RiskConfig, startingBalance: Dec) {
    this.#config = config;
    this.enabled = config.dailyLossLimit !== undefined;
    this.#limit = Number(config.dailyLossLimit ?? 0);
    this.#starting = startingBalance;
    this.#startingNumber = startingBalance.toNumber();
  }

  /** The kill reason when today's net PnL at candle i's close is at or below −limit, else null. */
  /** `k`: index of the traded candle; `now`: its close, when the engine would check. */
  check(k: number, now: number, equity: Pick<TotalEquity, 'values' | 'exact'>): string | null {
    const day = Math.floor(now / DAY_MS);
    if (day !== this.#day) {
      this.#day = day;
      this.#baseline = rollDailyBaseline(null, now, equity.exact(k).sub(this.#starting));
      this.#baselineNumber = Number(this.#baseline.netPnlAtStart);
    }
    const today = (equity.values[k] as number) - this.#startingNumber - this.#baselineNumber;
    if (today > -this.#limit * (1 - MARGIN)) return null;
    const kill = checkDailyLoss(this.#baseline as DailyPnlBaseline, equity.exact(k).sub(this.#starting), this.#config);
    return kill ? kill.reason : null;
  }
}
