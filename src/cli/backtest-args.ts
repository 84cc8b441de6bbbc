import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../domain/errors.js';
import type { StrategyRegistry } from '../engine/strategies/registry.js';
import type { ParamDoc } from '../engine/strategy.js';
import { RANK_METRICS } from '../engine/backtest/config.js';

/**
 * Command-line arguments of `npm run backtest` turned into the same request object the API takes.
 * Settings have fixed names; every other `--name value` is a strategy parameter, converted to the type
 * the strategy's schema declares (so `--fast 10` is the number 10) and then validated by that schema.
 */

export const CLI_USAGE = `Usage: npm run backtest -- --strategy <id> (--data <file.csv> | --bundled <name.csv>) [options] [--<param> <value>…]

Data
  --data <path>            a candle CSV (header timestamp_ms,open,high,low,close,volume)
  --bundled <name>         a file in data/ (e.g. XRP_USDT_USDT-1h-futures.csv); repeat for several pairs
  --symbol <BASE/QUOTE>    default: from the file name (freqtrade naming)
  --timeframe <1h>         default: inferred from the candle spacing
Several pairs (one strategy, one shared quote balance)
  --symbols <A/Q,B/Q,…>    the pairs; without --bundled/--data their files are data/A_Q-<timeframe>.csv
                           (needs --timeframe). Repeating --bundled or --data also gives several pairs
  --max-open-trades <n>    pairs that may hold a position at once (default: all)
  --from <date|ms>         first traded candle (earlier ones only warm up); --to <date|ms> end (exclusive)
Account and fills
  --balance <quote>        starting balance in the quote currency: default 1000 for a dollar or euro
                           quote (USDT, USDC, USD, EUR…); required for BTC, ETH or any other quote
  --fee <rate>             fee per fill as a fraction (default 0.001)
  --fee-asset <asset>      quote | base | profile: the asset fees are taken from (default: profile
                           with --exchange, else quote)
  --exchange <id>          the venue the run stands in for (its fee rule, see docs/engine.md)
  --slippage-bps <bps>     market orders fill this much worse than the next open (default 5)
  --amount-step <step>     amount step of the market (default 0.00000001)
Risk
  --stop-loss <pct>  --take-profit <pct>  --trailing-stop <pct>  --trailing-activation <pct>
  --max-position <base>  --max-open-orders <n>
  --daily-loss-limit <quote>  --allow-short
Perpetuals (a symbol with a settle currency, e.g. XRP/USDT:USDT)
  --leverage <x>           margin = notional ÷ leverage (default 1)
  --margin-mode <mode>     isolated | cross (default isolated)
  --liquidation-buffer <pct>  refuse entries whose liquidation is this close to the entry
  --funding <file|none>    funding rates (timestamp_ms,funding_rate). Default with --bundled: the
                           pair's file in data/ when it covers the run; the report says when none
  --mark <file|none>       mark-price candles for liquidations and funding. Default with --bundled:
                           the pair's mark file in data/ where it has candles, else the candles
Sweep
  --sweep <param>=<v1>,<v2>,…   repeat per parameter; runs every combination on worker threads
  --rank <metric>          ${RANK_METRICS.join(' | ')} (default sharpe)
  --workers <n>            default: the cores available
Output
  --json                   the full report (or sweep results) as JSON on stdout
  --equity-points <n>      points kept in the equity curve (default 1000)
  --list                   list strategies and their parameters
Strategy parameters: any other --<name> <value>, e.g. --fast 10 --slow 30 (see --list).`;

export interface CliOptions {
  json: boolean;
  list: boolean;
  help: boolean;
  /** The file for `--data` (read locally; never part of an API request); the first when repeated. */
  dataPath: string | null;
  /** Every `--data` file, in order (several: a multi-pair run). */
  dataPaths: string[];
  /** `--funding` / `--mark` files, read by `withPerpetualFiles` (never part of an API request). */
  fundingPath: string | null;
  markPath: string | null;
  request: Record<string, unknown>;
  sweep: Record<string, unknown[]> | null;
}

type Setting = (request: Record<string, unknown>, value: string) => void;
const risk = (request: Record<string, unknown>): Record<string, unknown> => (request.risk ??= {}) as Record<string, unknown>;

const SETTINGS: Readonly<Record<string, Setting>> = {
  strategy: (r, v) => (r.strategy = v),
  bundled: (r, v) => (r.data = addBundled(r.data, v)),
  symbols: (r, v) => (r.symbols = [...(Array.isArray(r.symbols) ? (r.symbols as unknown[]) : []), ...v.split(',').map((s) => s.trim()).filter((s) => s !== '')]),
  'max-open-trades': (r, v) => (r.maxOpenTrades = Number(v)),
  symbol: (r, v) => (r.symbol = v),
  timeframe: (r, v) => (r.timeframe = v),
  from: (r, v) => (r.from = instant(v)),
  to: (r, v) => (r.to = instant(v)),
  balance: (r, v) => (r.startingBalance = v),
  fee: (r, v) => (r.feeRate = v),
  'fee-asset': (r, v) => (r.feeAsset = v),
  exchange: (r, v) => (r.exchange = v),
  'slippage-bps': (r, v) => (r.slippageBps = v),
  'amount-step': (r, v) => (r.market = { amountStep: v }),
  'equity-points': (r, v) => (r.equityPoints = Number(v)),
  'stop-loss': (r, v) => (risk(r).stopLossPct = Number(v)),
  'take-profit': (r, v) => (risk(r).takeProfitPct = Number(v)),
  'trailing-stop': (r, v) => (risk(r).trailingStopPct = Number(v)),
  'trailing-activation': (r, v) => (risk(r).trailingStopActivationPct = Number(v)),
  'max-position': (r, v) => (risk(r).maxPositionBase = v),
  'max-open-orders': (r, v) => (risk(r).maxOpenOrders = Number(v)),
  'daily-loss-limit': (r, v) => (risk(r).dailyLossLimit = v),
  leverage: (r, v) => (risk(r).leverage = v),
  'margin-mode': (r, v) => (risk(r).marginMode = v),
  'liquidation-buffer': (r, v) => (risk(r).liquidationBufferPct = Number(v)),
  rank: (r, v) => (r.rank = v),
  workers: (r, v) => (r.workers = Number(v)),
};
const FLAGS = new Set(['json', 'list', 'help', 'allow-short']);

export function parseCliArgs(argv: readonly string[], registry: StrategyRegistry): CliOptions {
  const options: CliOptions = { json: false, list: false, help: false, dataPath: null, dataPaths: [], fundingPath: null, markPath: null, request: {}, sweep: null };
  const params: [string, string][] = [];
  const sweeps: [string, string][] = [];
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k] as string;
    if (!arg.startsWith('--')) throw new ValidationError(`Unexpected argument "${arg}"; options start with --`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq > 0 ? eq : undefined);
    if (FLAGS.has(name) && eq < 0) {
      applyFlag(options, name);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++k];
    if (value === undefined) throw new ValidationError(`--${name} needs a value`);
    if (name === 'data') {
      options.dataPath ??= value;
      options.dataPaths.push(value);
    } else if (name === 'funding' || name === 'mark') {
      if (value === 'none') options.request[name] = { source: 'none' };
      else options[name === 'funding' ? 'fundingPath' : 'markPath'] = value;
    } else if (name === 'sweep') sweeps.push(splitSweep(value));
    else if (SETTINGS[name]) (SETTINGS[name] as Setting)(options.request, value);
    else params.push([name, value]);
  }
  if (options.help || options.list) return options;
  const strategy = options.request.strategy;
  if (typeof strategy !== 'string') throw new ValidationError('--strategy is required (see --list)');
  const docs = registry.get(strategy).describeParams();
  options.request.params = Object.fromEntries(params.map(([name, value]) => [name, convert(docs, name, value, strategy)]));
  if (sweeps.length > 0) options.sweep = Object.fromEntries(sweeps.map(([name, values]) => [name, values.split(',').map((v) => convert(docs, name, v.trim(), strategy))]));
  if (!options.dataPath && !options.request.data) options.request.data = bundledForSymbols(options.request);
  return options;
}

/** A second --bundled turns one file into a list of files (one per pair). */
function addBundled(data: unknown, file: string): Record<string, unknown> {
  const current = data as { source?: unknown; file?: unknown; files?: unknown } | undefined;
  if (current?.source !== 'bundled') return { source: 'bundled', file };
  const files = Array.isArray(current.files) ? (current.files as unknown[]) : [current.file];
  return { source: 'bundled', files: [...files, file] };
}

/** `--symbols ADA/BTC,ETH/BTC --timeframe 1m` without files: the bundled files of freqtrade's naming, ADA_BTC-1m.csv. */
function bundledForSymbols(request: Record<string, unknown>): Record<string, unknown> {
  const symbols = request.symbols;
  if (!Array.isArray(symbols) || symbols.length === 0) throw new ValidationError('Give the candles: --data <file.csv> or --bundled <name.csv> (several pairs: repeat them, or --symbols with --timeframe)');
  if (typeof request.timeframe !== 'string') throw new ValidationError('--symbols without --bundled or --data needs --timeframe to find the files in data/ (e.g. ADA_BTC-1m.csv)');
  const timeframe = request.timeframe;
  return { source: 'bundled', files: symbols.map((s) => `${String(s).replaceAll('/', '_').replaceAll(':', '_')}-${timeframe}.csv`) };
}

function applyFlag(options: CliOptions, name: string): void {
  if (name === 'json') options.json = true;
  else if (name === 'list') options.list = true;
  else if (name === 'help') options.help = true;
  else risk(options.request).allowShort = true;
}

function splitSweep(value: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1) throw new ValidationError(`--sweep expects <param>=<v1>,<v2>,…, got "${value}"`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

/** A flag's text as the type the strategy's schema declares for it. */
function convert(docs: readonly ParamDoc[], name: string, value: string, strategy: string): unknown {
  const doc = docs.find((d) => d.name === name);
  if (!doc) {
    throw new ValidationError(`Unknown option --${name}: not a setting, and ${strategy} has no parameter "${name}" (it has: ${docs.map((d) => d.name).join(', ')})`);
  }
  if (doc.type === 'number' || doc.type === 'integer') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new ValidationError(`--${name} must be a number, got "${value}"`, [{ path: `params.${name}`, message: 'must be a number' }]);
    return n;
  }
  if (doc.type === 'boolean') {
    if (value !== 'true' && value !== 'false') throw new ValidationError(`--${name} must be true or false, got "${value}"`);
    return value === 'true';
  }
  return value;
}

/** An ISO date/time stays a string (the schema parses it); digits are ms since the epoch. */
function instant(value: string): string | number {
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** The request with the `--funding` and `--mark` files read in as inline CSVs (named by their file name). */
export function withPerpetualFiles(request: Record<string, unknown>, options: Pick<CliOptions, 'fundingPath' | 'markPath'>): Record<string, unknown> {
  const read = (flag: string, file: string) => {
    if (!existsSync(file)) throw new ValidationError(`--${flag}: no file ${file}`, [{ path: flag, message: 'no such file' }]);
    return { source: 'csv', csv: readFileSync(file, 'utf8'), name: path.basename(file) };
  };
  return {
    ...request,
    ...(options.fundingPath ? { funding: read('funding', options.fundingPath) } : {}),
    ...(options.markPath ? { mark: read('mark', options.markPath) } : {}),
  };
}
