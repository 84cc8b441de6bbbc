import type { DecimalString } from './money.js';
import type { OrderSide } from './orders.js';

/**
 * The report a trader reads, shared by the server (which builds it in src/engine/backtest/report.ts and
 * multi-report.ts), the CLI and the web UI. Money is decimal strings (exact, from the ledger and the
 * simulator's balances); ratios (Sharpe, Sortino, win rate, profit factor, exposure) are numbers rounded
 * to 6 decimals; percentages of money are decimal strings with 4 decimals; times are ISO-8601 UTC.
 */

export interface BacktestReport {
  strategy: { id: string; params: Readonly<Record<string, unknown>> };
  symbol: string;
  timeframe: string;
  period: { from: string; to: string; candles: number; warmupCandles: number; gaps?: number; source?: string };
  settings: {
    startingBalance: DecimalString;
    feeRate: DecimalString;
    /** The asset each side's fee was taken from. */
    feeAssets: { buy: 'base' | 'quote'; sell: 'base' | 'quote' };
    slippageBps: DecimalString;
    /** The risk settings the run used, with their defaults applied (the risk gate's own config). */
    risk: Readonly<Record<string, unknown>>;
  };
  result: BacktestResult;
  buyAndHold: BuyAndHold;
  equityCurve: { method: string; totalPoints: number; points: { time: string; equity: DecimalString }[] };
  trades: ReportTrade[];
  events: { rejections: EventList; strategyErrors: EventList; killSwitch: { time: string; message: string } | null };
  /** Only on a perpetual (`BASE/QUOTE:SETTLE`): margin, funding and liquidations. Spot reports have no such key. */
  derivatives?: DerivativesReport;
}

/**
 * What trading a USDT-margined linear perpetual added to a run (docs/derivatives.md, "Backtests").
 * `pnl` shows trading PnL, fees and funding apart: realizedTrading + unrealized − fees + funding =
 * netPnl = `result.netProfit`, to the last digit.
 */
export interface DerivativesReport {
  leverage: DecimalString;
  marginMode: 'isolated' | 'cross';
  maintenanceMarginRate: DecimalString;
  /** How liquidations were modelled, in words. */
  liquidationModel: string;
  pnl: { realizedTrading: DecimalString; unrealized: DecimalString; fees: DecimalString; funding: DecimalString; netPnl: DecimalString };
  funding: {
    /** The funding-rate file used, or null when the run had none (then nothing was booked). */
    source: string | null;
    /** Where the rates came from, or why there were none. */
    note: string;
    /** The file's usual spacing of settlements (8 for the usual 8 h); null without a file. */
    intervalHours: number | null;
    /** Payments booked (settlements crossed with a position open and a rate). */
    count: number;
    /** Σ of the payments made (a positive figure), Σ of those received, and received − paid. */
    paid: DecimalString;
    received: DecimalString;
    net: DecimalString;
    /** Settlements crossed with a position open that the data had no rate for: nothing was booked at them. */
    missing: { count: number; samples: string[] };
    /** Payments priced at the mark file's price, and at the traded candles' (where the mark had none). */
    pricedByMark: number;
    pricedByLastPrice: number;
    payments: FundingPaymentReport[];
  };
  mark: {
    /** The mark-price file used, or null. */
    source: string | null;
    note: string;
    /** Traded candles whose liquidation check used the mark's own extremes (the rest: the candle's high and low). */
    candlesWithMark: number;
    candles: number;
  };
  liquidations: {
    count: number;
    /** Σ collateral lost (realized loss + liquidation fees), a positive figure. */
    loss: DecimalString;
    /** Σ liquidation fees (part of `result.feesPaid`). */
    fees: DecimalString;
    events: LiquidationReport[];
  };
}

/** One funding settlement of a position: amount = −quantity × markPrice × rate (positive: received). */
export interface FundingPaymentReport {
  time: string;
  /** A multi-pair run names the pair. */
  symbol?: string;
  rate: DecimalString;
  markPrice: DecimalString;
  priceSource: 'mark' | 'last';
  quantity: DecimalString;
  amount: DecimalString;
}

/** A position closed by the exchange's liquidation at its liquidation price. */
export interface LiquidationReport {
  time: string;
  symbol?: string;
  side: 'long' | 'short';
  quantity: DecimalString;
  entryPrice: DecimalString;
  liquidationPrice: DecimalString;
  /** The candle's adverse mark extreme that reached it; `markSource` 'last' when the candle's own price stood in. */
  markExtreme: DecimalString;
  markSource: 'mark' | 'last';
  realizedPnl: DecimalString;
  fee: DecimalString;
  loss: DecimalString;
}

/**
 * A multi-pair run: the same sections, with totals of the whole run in `result` (equity, drawdown and
 * ratios of the total equity curve), `symbol` the pairs joined by commas, and each pair in `pairs`.
 * Buy and hold splits the starting balance equally over the pairs.
 */
export interface MultiPairReport extends Omit<BacktestReport, 'result' | 'buyAndHold' | 'settings' | 'trades'> {
  kind: 'multi-pair';
  symbols: string[];
  settings: BacktestReport['settings'] & { maxOpenTrades: number; peakOpenTrades: number };
  result: Omit<BacktestResult, 'endPosition'>;
  buyAndHold: Pick<BuyAndHold, 'netProfit' | 'netProfitPct'>;
  pairs: PairReport[];
  /** All pairs' trades by entry time, numbered across pairs, each naming its pair. */
  trades: (ReportTrade & { symbol: string })[];
}

/** What a finished backtest stores as its result: one pair's report or a multi-pair one. */
export type AnyBacktestReport = BacktestReport | MultiPairReport;

export function isMultiPairReport(report: AnyBacktestReport): report is MultiPairReport {
  return 'kind' in report && report.kind === 'multi-pair';
}

export interface BuyAndHold {
  entryPrice: DecimalString;
  exitPrice: DecimalString;
  quantity: DecimalString;
  netProfit: DecimalString;
  netProfitPct: DecimalString;
}

/** One pair of a multi-pair run. `netPnl` = realized + unrealized − fees (+ funding on a perpetual); Σ netPnl = the run's net profit exactly. */
export interface PairReport {
  symbol: string;
  candles: number;
  warmupCandles: number;
  gaps?: number;
  source?: string;
  netPnl: DecimalString;
  realizedPnl: DecimalString;
  unrealizedPnl: DecimalString;
  feesPaid: DecimalString;
  /** Net funding of a perpetual (positive received); absent on spot. */
  funding?: DecimalString;
  tradeCount: number;
  closedTrades: number;
  wins: number;
  losses: number;
  winRate: number | null;
  /** Fraction of this pair's traded candles that closed with a position open. */
  exposure: number;
  endPosition: { quantity: DecimalString; dust: boolean };
  refusedOrders: number;
  strategyErrors: number;
  buyAndHold: BuyAndHold;
}

export interface BacktestResult {
  startingBalance: DecimalString;
  endingEquity: DecimalString;
  netProfit: DecimalString;
  netProfitPct: DecimalString;
  realizedPnl: DecimalString;
  unrealizedPnl: DecimalString;
  feesPaid: DecimalString;
  /** Net funding of a perpetual (positive received; netProfit = realized + unrealized − fees + funding); absent on spot. */
  funding?: DecimalString;
  maxDrawdown: { amount: DecimalString; pct: DecimalString; peakTime: string | null; troughTime: string | null };
  tradeCount: number;
  closedTrades: number;
  wins: number;
  losses: number;
  /** Closed trades with PnL > 0, as a fraction; null with no closed trade. */
  winRate: number | null;
  /** Σ winning PnL / |Σ losing PnL| over closed trades; null when no trade lost. */
  profitFactor: number | null;
  sharpe: number | null;
  sortino: number | null;
  annualisation: { periodsPerYear: number; note: string };
  /** Fraction of traded candles that closed with a position open (dust is not one). */
  exposure: number;
  /** What is held at the end: `dust` when too small to trade on the market (fees taken in base leave it). */
  endPosition: { quantity: DecimalString; dust: boolean };
}

/** One fill of a round trip; `time` is ms since the epoch while the run builds it. */
export interface TradeFill {
  time: number;
  side: OrderSide;
  price: DecimalString;
  /** As filled (for the part of a flip fill: the held quantity it moved). */
  amount: DecimalString;
  /** Fee in quote. */
  fee: DecimalString;
  /** The fee as the venue charged it, and in which asset (the base when it takes fees from what a buy receives). */
  feeCharged: DecimalString;
  feeAsset: string;
  reason: string | null;
  /** The exchange's liquidation closed the position (a perpetual); absent otherwise. */
  liquidation?: true;
}

/** A round trip (flat to flat) as the run's trade list builds it; times are ms since the epoch. */
export interface BacktestTrade {
  id: number;
  side: 'long' | 'short';
  status: 'closed' | 'open';
  entryTime: number;
  /** Volume-weighted average of the opening fills. */
  entryPrice: DecimalString;
  exitTime: number | null;
  /** Volume-weighted average of the closing fills; null while nothing was closed. */
  exitPrice: DecimalString | null;
  /** Total quantity opened (base). */
  size: DecimalString;
  /** Realized (plus, for an open trade, unrealized at the last close) minus fees, plus funding on a perpetual, in quote. */
  pnl: DecimalString;
  fee: DecimalString;
  /** A perpetual's funding while the trade was open (positive received); absent on spot. */
  funding?: DecimalString;
  entryReason: string | null;
  exitReason: string | null;
  fills: TradeFill[];
}

/** A round trip as the report lists it: times as ISO-8601 strings. */
export type ReportTrade = Omit<BacktestTrade, 'entryTime' | 'exitTime' | 'fills'> & {
  entryTime: string;
  exitTime: string | null;
  fills: (Omit<TradeFill, 'time'> & { time: string })[];
};

export type EventList = { count: number; samples: { time: string; message: string }[] };
