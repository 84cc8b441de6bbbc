import { useState, type FormEvent } from 'react';
import { ApiError, describeError } from '../../api/client';
import { useStartBacktest } from '../../api/backtests';
import { useStrategyFiles } from '../../api/strategies';
import type { BacktestCatalog, BacktestRequestBody, DataSource, FieldDoc, PerpetualFileChoice, PerpetualFileInfo, StrategyInfo } from '../../api/engine-types';
import type { ConnectionView } from '../../api/types';
import { Field, invalidProps } from '../../components/Field';
import { ParamFields } from '../live-trading/ParamFields';
import { PerpetualRiskFields, splitRiskDocs } from '../live-trading/PerpetualRiskFields';
import { parseDataFileName } from '../../../../src/domain/data-files.js';
import { groupErrors, initialValues, toPayload, validateParams, type ParamErrors, type ParamValues } from '../live-trading/param-form';

/** Balance, fee and slippage, described like strategy parameters (the server's backtestRequestSchema). */
export const SETTINGS_PARAMS: readonly FieldDoc[] = [
  { name: 'startingBalance', type: 'string', description: 'Quote currency at the start; left empty: 1000 for a dollar or euro quote (USDT, USDC, USD, EUR…), required for BTC, ETH and any other quote', exclusiveMinimum: 0 },
  { name: 'feeRate', type: 'string', description: 'Fee per fill as a fraction of its value (0.001 = 0.1 %)', default: '0.001', minimum: 0, maximum: 0.1 },
  { name: 'slippageBps', type: 'string', description: 'Market orders fill this many basis points (0.01 %) worse than the next open', default: '5', minimum: 0, maximum: 1000 },
];

const TIMEFRAMES = ['1m', '5m', '15m', '30m', '1h', '4h', '1d'] as const;
const SYMBOL_PATTERN = /^[A-Za-z0-9]{1,20}\/[A-Za-z0-9]{1,20}(:[A-Za-z0-9]{1,20})?$/;
const MAX_CSV_BYTES = 50_000_000;

type SourceKind = DataSource['source'];
type TopField = 'data' | 'symbol' | 'timeframe' | 'from' | 'to' | 'funding' | 'mark';
/** A funding or mark select's value: a file of data/, or none. */
const NONE = 'none';

interface BacktestFormProps {
  catalog: BacktestCatalog;
  /** The risk limits' fields, as the server describes them. */
  riskDocs: readonly FieldDoc[];
  connections: readonly ConnectionView[];
  onStarted: (id: string) => void;
}

/** A backtest: strategy and its generated parameters, data, range, money settings and risk limits. */
export function BacktestForm({ catalog, riskDocs, connections, onStarted }: BacktestFormProps) {
  const start = useStartBacktest();
  const strategyFiles = useStrategyFiles();
  const first = catalog.strategies[0] as StrategyInfo;
  const [strategyId, setStrategyId] = useState(first.id);
  const [params, setParams] = useState<ParamValues>(() => initialValues(first.params));
  const [settings, setSettings] = useState<ParamValues>(() => initialValues(SETTINGS_PARAMS));
  const [risk, setRisk] = useState<ParamValues>(() => initialValues(riskDocs));
  const [source, setSource] = useState<SourceKind>(catalog.bundledFiles.length > 0 ? 'bundled' : 'csv');
  const [file, setFile] = useState(catalog.bundledFiles[0] ?? '');
  // Further bundled files make a multi-pair run: one strategy, one shared balance.
  const [extraFiles, setExtraFiles] = useState<readonly string[]>([]);
  const [maxOpenTrades, setMaxOpenTrades] = useState('');
  const [csv, setCsv] = useState<{ name: string; text: string } | null>(null);
  const [csvError, setCsvError] = useState<string | undefined>();
  const [connectionId, setConnectionId] = useState(connections[0]?.id ?? '');
  const [symbol, setSymbol] = useState('');
  const [timeframe, setTimeframe] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  // The trader's funding and mark choice for one symbol (another symbol starts from its own defaults).
  const [fundingChoice, setFundingChoice] = useState<{ symbol: string; value: string } | null>(null);
  const [markChoice, setMarkChoice] = useState<{ symbol: string; value: string } | null>(null);
  const [submitted, setSubmitted] = useState(false);

  const strategy = catalog.strategies.find((s) => s.id === strategyId) ?? first;
  const serverErrors = start.error instanceof ApiError ? start.error.fieldErrors : [];
  const multi = source === 'bundled' && extraFiles.some((f) => f !== file);
  // The pair the run trades: the symbol given, else (bundled data) the file's. A settle currency
  // (XRP/USDT:USDT) makes it a perpetual: only then are its files and settings asked for and sent.
  const runSymbol = symbol.trim() || (source === 'bundled' ? (parseDataFileName(file)?.symbol ?? '') : '');
  const perpetual = multi ? [file, ...extraFiles].some((f) => parseDataFileName(f)?.symbol.includes(':') === true) : runSymbol.includes(':');
  const runTimeframe = timeframe || (source === 'bundled' ? (parseDataFileName(file)?.timeframe ?? '') : '');
  const pairFiles = catalog.perpetualFiles.find((p) => p.symbol === runSymbol);
  const fundingFiles = pairFiles?.funding ?? [];
  const markFiles = pairFiles?.mark ?? [];
  // By default the pair's bundled files go with its bundled candles; uploaded or downloaded candles
  // (another time, maybe another venue) start with none, as the API's own default.
  const bundledCandles = source === 'bundled';
  const fundingValue = fundingChoice?.symbol === runSymbol ? fundingChoice.value : bundledCandles ? defaultFile(fundingFiles, undefined) : NONE;
  const markValue = markChoice?.symbol === runSymbol ? markChoice.value : bundledCandles ? defaultFile(markFiles, runTimeframe) : NONE;
  const [derivativeDocs, plainRiskDocs] = splitRiskDocs(riskDocs);
  const shownRiskDocs = perpetual ? riskDocs : plainRiskDocs;
  const local = {
    params: validateParams(strategy.params, params),
    settings: validateParams(SETTINGS_PARAMS, settings),
    risk: validateParams(shownRiskDocs, risk),
    top: topErrors({ source, file, csv, connectionId, symbol, timeframe, from, to }),
  };
  const shown = (errors: ParamErrors, server: ParamErrors): ParamErrors => ({ ...server, ...(submitted ? errors : liveOnly(errors, 'required')) });
  const settingsServer: ParamErrors = {};
  for (const e of serverErrors) if (SETTINGS_PARAMS.some((d) => d.name === e.path)) settingsServer[e.path] = e.message;
  const topError = (field: TopField): string | undefined =>
    (submitted ? local.top[field] : undefined) ?? serverErrors.find((e) => e.path === field || e.path.startsWith(`${field}.`))?.message ?? (field === 'data' ? csvError : undefined);

  const allRiskErrors = shown(local.risk, groupErrors(serverErrors, 'risk'));
  const riskErrors = onlyFields(allRiskErrors, plainRiskDocs);
  const perpetualRiskErrors = onlyFields(allRiskErrors, derivativeDocs);
  const riskSet = plainRiskDocs.filter((d) => (risk[d.name] ?? '') !== (d.default === undefined ? '' : String(d.default))).length;
  // Collapsed by default; opened by the user or by an error inside.
  const [riskToggled, setRiskOpen] = useState(false);
  const riskOpen = riskToggled || Object.keys(riskErrors).length > 0;

  const chooseStrategy = (id: string): void => {
    const next = catalog.strategies.find((s) => s.id === id);
    if (!next) return;
    setStrategyId(id);
    setParams(initialValues(next.params));
    start.reset();
  };

  const readCsv = (input: HTMLInputElement): void => {
    const chosen = input.files?.[0];
    setCsv(null);
    setCsvError(undefined);
    if (!chosen) return;
    if (chosen.size > MAX_CSV_BYTES) {
      setCsvError(`The file is ${Math.round(chosen.size / 1e6)} MB; at most 50 MB can be uploaded.`);
      return;
    }
    void chosen.text().then(
      (text) => setCsv({ name: chosen.name, text }),
      () => setCsvError('The file could not be read.'),
    );
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setSubmitted(true);
    const form = event.currentTarget;
    const count = [local.params, local.settings, local.risk, local.top].reduce((n, e) => n + Object.keys(e).length, 0);
    if (count > 0) {
      requestAnimationFrame(() => form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    const others = extraFiles.filter((f) => f !== file);
    const data: DataSource =
      source === 'bundled'
        ? multi
          ? { source, files: [file, ...others] }
          : { source, file }
        : source === 'csv'
          ? { source, csv: csv?.text ?? '', name: csv?.name ?? 'upload.csv' }
          : { source, connectionId };
    const body: BacktestRequestBody = {
      strategy: strategy.id,
      params: toPayload(strategy.params, params),
      ...(toPayload(SETTINGS_PARAMS, settings) as Pick<BacktestRequestBody, 'startingBalance' | 'feeRate' | 'slippageBps'>),
      risk: toPayload(shownRiskDocs, risk),
      data,
      // One pair's files as chosen; where data/ has none for the pair, the server's default (none, which
      // its report explains). A multi-pair run uses each pair's own bundled files (the server's default).
      ...(perpetual && !multi && fundingFiles.length > 0 ? { funding: choice(fundingValue) } : {}),
      ...(perpetual && !multi && markFiles.length > 0 ? { mark: choice(markValue) } : {}),
      ...(symbol.trim() ? { symbol: symbol.trim() } : {}),
      ...(timeframe ? { timeframe } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(multi && maxOpenTrades.trim() ? { maxOpenTrades: Number(maxOpenTrades) } : {}),
    };
    start.mutate(body, { onSuccess: ({ id }) => onStarted(id) });
  };

  return (
    <form className="form" aria-label="New backtest" noValidate onSubmit={onSubmit}>
      <Field id="bt-strategy" label="Strategy" error={serverErrors.find((e) => e.path === 'strategy')?.message} hint={strategy.description}>
        <select id="bt-strategy" value={strategy.id} onChange={(e) => chooseStrategy(e.target.value)} {...invalidProps('bt-strategy', undefined, 'bt-strategy-hint')}>
          {catalog.strategies.map((s) => (
            <option key={s.id} value={s.id}>
              {strategyFiles.has(s.id) ? `${s.name} — ${strategyFiles.get(s.id) ?? ''}` : s.name}
            </option>
          ))}
        </select>
      </Field>
      <fieldset className="fieldset">
        <legend>{strategy.name} parameters</legend>
        <ParamFields idPrefix="bt-param" docs={strategy.params} values={params} errors={shown(local.params, groupErrors(serverErrors, 'params'))} onChange={(n, v) => setParams((p) => ({ ...p, [n]: v }))} />
      </fieldset>

      <fieldset className="fieldset">
        <legend>Data</legend>
        <div className="segmented" role="radiogroup" aria-label="Data source">
          {(
            [
              ['bundled', 'Bundled file'],
              ['csv', 'Upload CSV'],
              ['exchange', 'Exchange'],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className="checkbox">
              <input type="radio" name="bt-source" value={value} checked={source === value} onChange={() => setSource(value)} />
              {label}
            </label>
          ))}
        </div>
        {source === 'bundled' ? (
          <Field id="bt-file" label="Data file" error={topError('data')} hint="Historical candles shipped with CTS (data/).">
            <select id="bt-file" value={file} onChange={(e) => setFile(e.target.value)} {...invalidProps('bt-file', topError('data'), 'bt-file-hint')}>
              {catalog.bundledFiles.length === 0 ? <option value="">(no bundled files)</option> : null}
              {catalog.bundledFiles.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        {source === 'bundled' && catalog.bundledFiles.length > 1 ? (
          <fieldset className="fieldset" aria-describedby="bt-pairs-hint">
            <legend>More pairs (optional)</legend>
            <p id="bt-pairs-hint" className="muted small">
              Each file is one more pair of the same timeframe and quote, traded by the same strategy from one shared balance.
            </p>
            {catalog.bundledFiles
              .filter((f) => f !== file)
              .map((f) => (
                <label key={f} className="checkbox">
                  <input type="checkbox" checked={extraFiles.includes(f)} onChange={(e) => setExtraFiles((list) => (e.target.checked ? [...list, f] : list.filter((x) => x !== f)))} />
                  {f}
                </label>
              ))}
            {extraFiles.some((f) => f !== file) ? (
              <Field id="bt-max-open" label="Max open trades" error={serverErrors.find((e) => e.path === 'maxOpenTrades')?.message} hint="Pairs that may hold a position at once; empty: all of them.">
                <input id="bt-max-open" type="number" min={1} step={1} value={maxOpenTrades} onChange={(e) => setMaxOpenTrades(e.target.value)} {...invalidProps('bt-max-open', serverErrors.find((e) => e.path === 'maxOpenTrades')?.message, 'bt-max-open-hint')} />
              </Field>
            ) : null}
          </fieldset>
        ) : null}
        {source === 'csv' ? (
          <Field id="bt-csv" label="CSV file" error={topError('data')} hint="Columns timestamp_ms,open,high,low,close,volume; sent to the server, which never reads paths.">
            <input id="bt-csv" type="file" accept=".csv,text/csv" onChange={(e) => readCsv(e.currentTarget)} {...invalidProps('bt-csv', topError('data'), 'bt-csv-hint')} />
          </Field>
        ) : null}
        {source === 'exchange' ? (
          <Field id="bt-connection" label="Connection" error={topError('data')} hint="Public candles downloaded through this connection; no order is sent.">
            <select id="bt-connection" value={connectionId} onChange={(e) => setConnectionId(e.target.value)} {...invalidProps('bt-connection', topError('data'), 'bt-connection-hint')}>
              {connections.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} ({c.exchange})
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        <div className="form__row">
          <Field id="bt-symbol" label="Symbol" error={topError('symbol')} hint={source === 'exchange' ? 'Required for exchange data.' : 'Default: from the file name.'}>
            <input id="bt-symbol" type="text" autoComplete="off" spellCheck={false} placeholder="e.g. BTC/USDT" value={symbol} onChange={(e) => setSymbol(e.target.value)} {...invalidProps('bt-symbol', topError('symbol'), 'bt-symbol-hint')} />
          </Field>
          <Field id="bt-timeframe" label="Timeframe" error={topError('timeframe')} hint={source === 'exchange' ? 'Required for exchange data.' : 'Default: the candles’ spacing.'}>
            <select id="bt-timeframe" value={timeframe} onChange={(e) => setTimeframe(e.target.value)} {...invalidProps('bt-timeframe', topError('timeframe'), 'bt-timeframe-hint')}>
              <option value="">From the data</option>
              {TIMEFRAMES.map((tf) => (
                <option key={tf} value={tf}>
                  {tf}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <div className="form__row">
          <Field id="bt-from" label="From (UTC)" error={topError('from')} hint="Optional; earlier candles only warm up indicators.">
            <input id="bt-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} {...invalidProps('bt-from', topError('from'), 'bt-from-hint')} />
          </Field>
          <Field id="bt-to" label="To (UTC, exclusive)" error={topError('to')} hint="Optional.">
            <input id="bt-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} {...invalidProps('bt-to', topError('to'), 'bt-to-hint')} />
          </Field>
        </div>
        {perpetual && multi ? (
          <p className="field__hint" data-testid="bt-perpetual-files">
            Several perpetuals: each pair uses its own funding and mark files in data/ where it has them.
          </p>
        ) : null}
        {perpetual && !multi ? (
          <div data-testid="bt-perpetual-files">
            <Field
              id="bt-funding"
              label="Funding rates"
              error={topError('funding')}
              hint={
                fundingFiles.length > 0
                  ? (withTail(chosenText(fundingFiles, fundingValue, 'rates every'), 'Funding is booked at each settlement from it.') ?? 'None: no funding is booked, and the report says so.')
                  : `data/ has no funding-rate file for ${runSymbol}: no funding is booked, and the report says so.`
              }
            >
              <select id="bt-funding" value={fundingValue} onChange={(e) => setFundingChoice({ symbol: runSymbol, value: e.target.value })} {...invalidProps('bt-funding', topError('funding'), 'bt-funding-hint')}>
                {fundingFiles.map((f) => (
                  <option key={f.file} value={f.file} disabled={f.problem !== undefined}>
                    {fileLabel(f, 'rates every')}
                  </option>
                ))}
                <option value={NONE}>None (no funding)</option>
              </select>
            </Field>
            <Field
              id="bt-mark"
              label="Mark prices"
              error={topError('mark')}
              hint={
                markFiles.length > 0
                  ? (withTail(chosenText(markFiles, markValue, 'candles of'), 'Liquidations and funding are priced at its marks; where it has no candle, at the candles’ own prices.') ?? 'None: each candle’s own prices stand in.')
                  : `data/ has no mark-price file for ${runSymbol}: each candle’s own prices stand in.`
              }
            >
              <select id="bt-mark" value={markValue} onChange={(e) => setMarkChoice({ symbol: runSymbol, value: e.target.value })} {...invalidProps('bt-mark', topError('mark'), 'bt-mark-hint')}>
                {markFiles.map((f) => (
                  <option key={f.file} value={f.file} disabled={f.problem !== undefined}>
                    {fileLabel(f, 'candles of')}
                  </option>
                ))}
                <option value={NONE}>None (the candles’ prices)</option>
              </select>
            </Field>
          </div>
        ) : null}
      </fieldset>

      <fieldset className="fieldset">
        <legend>Account</legend>
        <ParamFields idPrefix="bt-setting" docs={SETTINGS_PARAMS} values={settings} errors={shown(local.settings, settingsServer)} onChange={(n, v) => setSettings((s) => ({ ...s, [n]: v }))} />
      </fieldset>

      {perpetual ? (
        <PerpetualRiskFields
          idPrefix="bt-risk"
          docs={derivativeDocs}
          values={risk}
          errors={perpetualRiskErrors}
          hint="Margin = notional ÷ leverage out of the quote balance; a position is liquidated when the mark reaches its liquidation price."
          onChange={(n, v) => setRisk((r) => ({ ...r, [n]: v }))}
        />
      ) : null}

      <details className="disclosure" open={riskOpen} onToggle={(e) => setRiskOpen(e.currentTarget.open)}>
        <summary>Risk limits{riskSet > 0 ? ` (${riskSet} set)` : ' (defaults)'}</summary>
        <ParamFields idPrefix="bt-risk" docs={plainRiskDocs} values={risk} errors={riskErrors} onChange={(n, v) => setRisk((r) => ({ ...r, [n]: v }))} />
      </details>

      {start.isError ? (
        <p className="notice notice--error" role="alert">
          Could not start the backtest: {describeError(start.error)}
        </p>
      ) : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={start.isPending}>
          {start.isPending ? 'Starting…' : 'Run backtest'}
        </button>
      </div>
    </form>
  );
}

/** The default funding or mark file: the one of the run's timeframe (mark), else the first that reads; none when there is none. */
function defaultFile(files: readonly PerpetualFileInfo[], timeframe: string | undefined): string {
  const readable = files.filter((f) => f.problem === undefined);
  return (readable.find((f) => f.interval === timeframe) ?? readable[0])?.file ?? NONE;
}

function choice(value: string): PerpetualFileChoice {
  return value === NONE ? { source: 'none' } : { source: 'bundled', file: value };
}

/** `XRP_USDT_USDT-8h-funding_rate.csv — 91 rates every 8h, 2021-11-18 00:00 → 2021-12-18 00:00 UTC`. */
function fileLabel(f: PerpetualFileInfo, what: 'rates every' | 'candles of'): string {
  if (f.problem !== undefined || f.from === null || f.to === null) return `${f.file} — unreadable: ${f.problem ?? 'no rows'}`;
  const at = (s: string): string => s.slice(0, 16).replace('T', ' ');
  return `${f.file} — ${f.rows} ${what} ${f.interval}, ${at(f.from)} → ${at(f.to)} UTC`;
}

/** What the chosen file covers (`91 rates every 8h, 2021-11-18 00:00 → 2021-12-18 00:00 UTC.`), or null for none. */
function chosenText(files: readonly PerpetualFileInfo[], value: string, what: 'rates every' | 'candles of'): string | null {
  const f = files.find((x) => x.file === value);
  if (!f) return null;
  return `${fileLabel(f, what).slice(f.file.length + ' — '.length)}.`;
}

const withTail = (text: string | null, tail: string): string | null => (text === null ? null : `${text} ${tail}`);

function onlyFields(errors: ParamErrors, docs: readonly FieldDoc[]): ParamErrors {
  const out: ParamErrors = {};
  for (const [k, v] of Object.entries(errors)) if (docs.some((d) => d.name === k)) out[k] = v;
  return out;
}

/** Before the first submit, only format and bound errors show (an empty required field waits for submit). */
function liveOnly(errors: ParamErrors, skip: string): ParamErrors {
  const out: ParamErrors = {};
  for (const [k, v] of Object.entries(errors)) if (!v.includes(skip)) out[k] = v;
  return out;
}

function topErrors(input: {
  source: SourceKind;
  file: string;
  csv: { text: string } | null;
  connectionId: string;
  symbol: string;
  timeframe: string;
  from: string;
  to: string;
}): Partial<Record<TopField, string>> {
  const errors: Partial<Record<TopField, string>> = {};
  if (input.source === 'bundled' && !input.file) errors.data = 'Choose a data file.';
  if (input.source === 'csv' && !input.csv) errors.data = 'Choose a CSV file.';
  if (input.source === 'exchange' && !input.connectionId) errors.data = 'Choose a connection.';
  const symbol = input.symbol.trim();
  if (symbol && !SYMBOL_PATTERN.test(symbol)) errors.symbol = 'Symbol must look like BASE/QUOTE, e.g. BTC/USDT.';
  if (input.source === 'exchange' && !symbol) errors.symbol = 'Symbol is required for exchange data.';
  if (input.source === 'exchange' && !input.timeframe) errors.timeframe = 'Timeframe is required for exchange data.';
  if (input.from && input.to && input.from >= input.to) errors.from = 'From must be before To.';
  return errors;
}
