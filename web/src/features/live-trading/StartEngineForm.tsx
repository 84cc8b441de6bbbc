import { useState, type FormEvent } from 'react';
import { ApiError, describeError } from '../../api/client';
import { useRiskParams, useStartEngine, useStrategies } from '../../api/engine';
import { useStrategyFiles } from '../../api/strategies';
import type { EngineBudget, EngineStatus, FieldDoc, StartEngineBody, StrategyInfo } from '../../api/engine-types';
import type { ConnectionView } from '../../api/types';
import { Field, invalidProps } from '../../components/Field';
import { ErrorState, Loading } from '../../components/States';
import { PairListFields, PairsModeChoice } from './PairListFields';
import { ParamFields } from './ParamFields';
import { StartRefusal } from './StartRefusal';
import { PerpetualRiskFields, splitRiskDocs } from './PerpetualRiskFields';
import { initialPairList, pairListBody, serverPairListErrors, validatePairList, type PairListErrors, type PairListValues, type PairsMode } from './pair-list-form';
import { nameMentionsMode } from '../../format';
import { EXCHANGE_FACTS } from '../../../../src/domain/exchange-ids.js';
import { protectionNote } from '../../../../src/domain/resting-stops.js';
import { fromPayload, groupErrors, initialValues, toPayload, validateParams, type ParamErrors, type ParamValues } from './param-form';

export const TIMEFRAMES = ['1m', '5m', '15m', '30m', '1h', '4h', '1d'] as const;
const SYMBOL_PATTERN = /^[A-Za-z0-9]{1,20}\/[A-Za-z0-9]{1,20}(:[A-Za-z0-9]{1,20})?$/;
const DEFAULT_SYMBOL = 'XRP/USDT';

interface StartEngineFormProps {
  connections: readonly ConnectionView[];
  connectionId: string;
  onConnectionChange: (id: string) => void;
  /** A bot's last run: the form starts THAT bot again (same id, orders and position), with its settings. Absent: a new bot. */
  previous: EngineStatus | undefined;
  onStarted?: (status: EngineStatus) => void;
}

/** Loads the strategy registry, then renders the form for it. */
export function StartEngineForm(props: StartEngineFormProps) {
  const strategies = useStrategies();
  const riskDocs = useRiskParams();
  if (strategies.isPending) return <Loading label="Loading strategies…" />;
  if (strategies.isError) return <ErrorState message={`Could not load the strategies: ${describeError(strategies.error)}`} onRetry={() => void strategies.refetch()} />;
  if (strategies.data.length === 0) return <p className="notice notice--info">The server offers no strategies.</p>;
  if (riskDocs.isPending) return <Loading label="Loading the risk limits…" />;
  if (riskDocs.isError) return <ErrorState message={`Could not load the risk limits: ${describeError(riskDocs.error)}`} onRetry={() => void riskDocs.refetch()} />;
  return <StartForm {...props} strategies={strategies.data} riskDocs={riskDocs.data} />;
}

type TopField = 'connectionId' | 'strategy' | 'symbol' | 'timeframe' | 'replaySpeed' | 'budget';
type BudgetKind = 'account' | 'quote' | 'share';
const DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;

function budgetKind(budget: EngineBudget | null | undefined): BudgetKind {
  if (!budget) return 'account';
  return 'quote' in budget ? 'quote' : 'share';
}

function budgetAmount(budget: EngineBudget | null | undefined): string {
  if (!budget) return '';
  return 'quote' in budget ? budget.quote : String(budget.sharePct);
}

function pick(values: ParamValues, from: Record<string, unknown> | null | undefined): ParamValues {
  if (!from) return values;
  const next = { ...values };
  for (const [k, v] of Object.entries(from)) if (k in next && v !== undefined && v !== null) next[k] = String(v);
  return next;
}

function StartForm({ connections, connectionId, onConnectionChange, previous, onStarted, strategies, riskDocs }: StartEngineFormProps & { strategies: StrategyInfo[]; riskDocs: readonly FieldDoc[] }) {
  const start = useStartEngine();
  const strategyFiles = useStrategyFiles();
  const first = strategies.find((s) => s.id === previous?.strategy) ?? (strategies[0] as StrategyInfo);
  const [strategyId, setStrategyId] = useState(first.id);
  const [params, setParams] = useState<ParamValues>(() => pick(initialValues(first.params), previous?.params));
  const [risk, setRisk] = useState<ParamValues>(() => fromPayload(riskDocs, initialValues(riskDocs), previous?.risk));
  const [symbol, setSymbol] = useState(previous?.symbol ?? DEFAULT_SYMBOL);
  const [pairsMode, setPairsMode] = useState<PairsMode>(previous?.pairs ? 'several' : 'one');
  const [pairList, setPairList] = useState<PairListValues>(() => initialPairList(previous?.pairs, quoteOf(previous?.symbol ?? DEFAULT_SYMBOL)));
  const [timeframe, setTimeframe] = useState(previous?.timeframe ?? '1h');
  const [replaySpeed, setReplaySpeed] = useState(String(previous?.options?.replaySpeed ?? 10));
  const [cancelOnStop, setCancelOnStop] = useState(previous?.options?.cancelOrdersOnStop ?? true);
  const [budgetType, setBudgetType] = useState<BudgetKind>(budgetKind(previous?.budget));
  const [budgetValue, setBudgetValue] = useState(budgetAmount(previous?.budget));
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);

  const strategy = strategies.find((s) => s.id === strategyId) ?? first;
  const connection = connections.find((c) => c.id === connectionId);
  const isReplay = connection?.mode === 'replay';

  const serverErrors = start.error instanceof ApiError ? start.error.fieldErrors : [];
  const several = pairsMode === 'several';
  // A settle currency in the symbol (BTC/USDT:USDT) names a perpetual: only then are its settings asked for and sent.
  const perpetual = several ? pairList.quote.includes(':') || pairList.pairsText.includes(':') : symbol.includes(':');
  const [derivativeDocs, plainRiskDocs] = splitRiskDocs(riskDocs);
  const shownRiskDocs = perpetual ? riskDocs : plainRiskDocs;
  const local = {
    params: validateParams(strategy.params, params),
    risk: validateParams(shownRiskDocs, risk),
    top: topErrors({ connectionId, symbol: several ? null : symbol, replaySpeed, isReplay, budgetType, budgetValue }),
    pairs: several ? validatePairList(pairList) : {},
  };
  const show = (key: string, error: string | undefined): string | undefined => (submitted || touched.has(key) ? error : undefined);
  const visible = (group: 'params' | 'risk', errors: ParamErrors): ParamErrors => {
    const out: ParamErrors = { ...groupErrors(serverErrors, group) };
    for (const [name, message] of Object.entries(errors)) {
      const shown = show(`${group}.${name}`, message);
      if (shown) out[name] = shown;
    }
    return out;
  };
  const pairErrors = (): PairListErrors => {
    const out: PairListErrors = { ...serverPairListErrors(serverErrors, pairList.kind) };
    for (const [name, message] of Object.entries(local.pairs) as [keyof PairListErrors, string][]) {
      const shown = show(`pairList.${name}`, message);
      if (shown) out[name] = shown;
    }
    return out;
  };
  const topError = (field: TopField): string | undefined => show(field, local.top[field]) ?? serverErrors.find((e) => e.path === field)?.message;

  const touch = (key: string): void => setTouched((t) => (t.has(key) ? t : new Set(t).add(key)));
  const chooseStrategy = (id: string): void => {
    const next = strategies.find((s) => s.id === id);
    if (!next) return;
    setStrategyId(id);
    setParams(initialValues(next.params));
    start.reset();
  };

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    setSubmitted(true);
    const invalid = Object.keys(local.params).length + Object.keys(local.risk).length + Object.keys(local.top).length + Object.keys(local.pairs).length > 0;
    if (invalid) {
      focusFirstInvalid(event.currentTarget as HTMLFormElement);
      return;
    }
    const budget: EngineBudget | null = budgetType === 'quote' ? { quote: budgetValue.trim() } : budgetType === 'share' ? { sharePct: Number(budgetValue) } : null;
    const body: StartEngineBody = {
      connectionId,
      ...(previous ? { engineId: previous.id } : {}),
      budget,
      strategy: strategy.id,
      params: toPayload(strategy.params, params),
      ...(several ? pairListBody(pairList, previous?.pairs?.pairList) : { symbol: symbol.trim() }),
      timeframe,
      risk: toPayload(shownRiskDocs, risk),
      options: { cancelOrdersOnStop: cancelOnStop, ...(isReplay ? { replaySpeed: Number(replaySpeed) } : {}) },
    };
    start.mutate(body, { onSuccess: (status) => onStarted?.(status) });
  };

  return (
    <form className="form start-form" aria-label="Start engine" noValidate onSubmit={onSubmit}>
      <div className="form__stack">
        <Field id="start-connection" label="Connection" error={topError('connectionId')}>
          <select
            id="start-connection"
            value={connectionId}
            disabled={previous !== undefined}
            onChange={(e) => onConnectionChange(e.target.value)}
            {...invalidProps('start-connection', topError('connectionId'))}
          >
            {connections.map((c) => (
              <option key={c.id} value={c.id} disabled={!c.enabled}>
                {c.name}
                {nameMentionsMode(c.name, c.mode) ? (c.enabled ? '' : ' (disabled)') : ` (${c.mode}${c.enabled ? '' : ', disabled'})`}
              </option>
            ))}
          </select>
        </Field>
        <Field id="start-strategy" label="Strategy" error={topError('strategy')} hint={strategy.description}>
          <select id="start-strategy" value={strategy.id} onChange={(e) => chooseStrategy(e.target.value)} {...invalidProps('start-strategy', topError('strategy'), 'start-strategy-hint')}>
            {strategies.map((s) => (
              <option key={s.id} value={s.id}>
                {strategyFiles.has(s.id) ? `${s.name} — ${strategyFiles.get(s.id) ?? ''}` : s.name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <PairsModeChoice
        mode={pairsMode}
        onChange={(mode) => {
          setPairsMode(mode);
          start.reset();
        }}
      />
      <div className="form__row">
        {several ? null : (
          <Field id="start-symbol" label="Symbol" error={topError('symbol')} hint="Unified symbol such as BTC/USDT. The demo replay data is XRP/USDT.">
            <input
              id="start-symbol"
              type="text"
              autoComplete="off"
              spellCheck={false}
              value={symbol}
              onChange={(e) => {
                setSymbol(e.target.value);
                touch('symbol');
              }}
              {...invalidProps('start-symbol', topError('symbol'), 'start-symbol-hint')}
            />
          </Field>
        )}
        <Field id="start-timeframe" label="Timeframe" error={topError('timeframe')} hint={isReplay ? 'Replay plays the bundled 1h candles: use 1h.' : 'Candle length the strategy decides on.'}>
          <select id="start-timeframe" value={timeframe} onChange={(e) => setTimeframe(e.target.value)} {...invalidProps('start-timeframe', topError('timeframe'), 'start-timeframe-hint')}>
            {TIMEFRAMES.map((tf) => (
              <option key={tf} value={tf}>
                {tf}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {several ? (
        <PairListFields
          values={pairList}
          errors={pairErrors()}
          onChange={(field, value) => {
            setPairList((v) => ({ ...v, [field]: value }));
            if (field !== 'kind') touch(`pairList.${field}`);
          }}
        />
      ) : null}

      <fieldset className="fieldset">
        <legend>Budget</legend>
        <div className="form__row">
          <Field id="start-budget-kind" label="This bot may spend" error={undefined} hint="Bots on one connection never share money: their budgets together must fit in the account.">
            <select id="start-budget-kind" value={budgetType} onChange={(e) => setBudgetType(e.target.value as BudgetKind)} aria-describedby="start-budget-kind-hint">
              <option value="account">The whole account (no other bot beside it)</option>
              <option value="quote">A fixed quote amount</option>
              <option value="share">A share of the quote balance (%)</option>
            </select>
          </Field>
          {budgetType !== 'account' ? (
            <Field id="start-budget" label={budgetType === 'quote' ? 'Budget (quote)' : 'Share (%)'} error={topError('budget')}>
              <input
                id="start-budget"
                type="text"
                inputMode="decimal"
                autoComplete="off"
                value={budgetValue}
                onChange={(e) => {
                  setBudgetValue(e.target.value);
                  touch('budget');
                }}
                {...invalidProps('start-budget', topError('budget'))}
              />
            </Field>
          ) : null}
        </div>
      </fieldset>

      <fieldset className="fieldset">
        <legend>{strategy.name} parameters</legend>
        <ParamFields
          idPrefix="start-param"
          docs={strategy.params}
          values={params}
          errors={visible('params', local.params)}
          onChange={(name, value) => {
            setParams((p) => ({ ...p, [name]: value }));
            touch(`params.${name}`);
          }}
        />
      </fieldset>

      <fieldset className="fieldset">
        <legend>Risk limits</legend>
        <ParamFields
          idPrefix="start-risk"
          docs={plainRiskDocs}
          values={risk}
          errors={visible('risk', local.risk)}
          onChange={(name, value) => {
            setRisk((r) => ({ ...r, [name]: value }));
            touch(`risk.${name}`);
          }}
        />
        {connection ? (
          <p className="field__hint" data-testid="protection-note">
            {protectionNote(connection.mode, connection.exchange, !several && symbol.includes(':') ? 'futures' : 'spot', EXCHANGE_FACTS[connection.exchange].displayName)}
          </p>
        ) : null}
      </fieldset>

      {perpetual ? (
        <PerpetualRiskFields
          idPrefix="start-risk"
          docs={derivativeDocs}
          values={risk}
          errors={visible('risk', local.risk)}
          hint="Set on the exchange before the first order and read back; the start stops if the account holds other settings."
          onChange={(name, value) => {
            setRisk((r) => ({ ...r, [name]: value }));
            touch(`risk.${name}`);
          }}
        />
      ) : null}

      <fieldset className="fieldset">
        <legend>Options</legend>
        {isReplay ? (
          <Field id="start-replay-speed" label="Replay speed (candles per second)" error={topError('replaySpeed')} hint="Replay only: how fast history is played back, above 0 and at most 10000 candles per second.">
            <input
              id="start-replay-speed"
              type="number"
              step="any"
              min={0}
              max={10_000}
              value={replaySpeed}
              onChange={(e) => {
                setReplaySpeed(e.target.value);
                touch('replaySpeed');
              }}
              {...invalidProps('start-replay-speed', topError('replaySpeed'), 'start-replay-speed-hint')}
            />
          </Field>
        ) : null}
        <label className="checkbox" htmlFor="start-cancel-on-stop">
          <input id="start-cancel-on-stop" type="checkbox" checked={cancelOnStop} onChange={(e) => setCancelOnStop(e.target.checked)} />
          Cancel open orders when I stop the engine
        </label>
      </fieldset>

      {start.isError ? <StartRefusal error={start.error} /> : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={start.isPending || !connection}>
          {start.isPending ? 'Starting…' : previous ? 'Start this bot again' : 'Start bot'}
        </button>
      </div>
    </form>
  );
}

/** The quote currency of a symbol (`BTC/USDT:USDT` → USDT). */
function quoteOf(symbol: string): string {
  return symbol.split('/')[1]?.split(':')[0] ?? '';
}

function topErrors(input: { connectionId: string; symbol: string | null; replaySpeed: string; isReplay: boolean; budgetType: BudgetKind; budgetValue: string }): Partial<Record<TopField, string>> {
  const errors: Partial<Record<TopField, string>> = {};
  if (!input.connectionId) errors.connectionId = 'Choose a connection.';
  // null: the bot trades a pair list, checked on its own.
  const symbol = input.symbol?.trim() ?? null;
  if (symbol === '') errors.symbol = 'Symbol is required.';
  else if (symbol !== null && !SYMBOL_PATTERN.test(symbol)) errors.symbol = 'Symbol must look like BASE/QUOTE, e.g. BTC/USDT.';
  const amount = input.budgetValue.trim();
  if (input.budgetType === 'quote' && (!DECIMAL.test(amount) || Number(amount) <= 0)) errors.budget = 'Budget must be a quote amount above 0, e.g. 500.';
  if (input.budgetType === 'share' && (amount === '' || !(Number(amount) > 0 && Number(amount) <= 100))) errors.budget = 'Share must be above 0 and at most 100.';
  if (input.isReplay) {
    const speed = Number(input.replaySpeed);
    if (input.replaySpeed.trim() === '' || !Number.isFinite(speed) || speed <= 0 || speed > 10_000) errors.replaySpeed = 'Replay speed must be above 0 and at most 10000.';
  }
  return errors;
}

function focusFirstInvalid(form: HTMLFormElement): void {
  // After React renders the messages.
  requestAnimationFrame(() => form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}
