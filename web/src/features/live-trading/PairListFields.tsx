import type { ReactNode } from 'react';
import { Field, invalidProps } from '../../components/Field';
import { MAX_PAIRS, listSize, quotesOf, splitPairs, type ListKind, type PairListErrors, type PairListField, type PairListValues, type PairsMode } from './pair-list-form';

/** "One pair" or "Several pairs": the start form shows the symbol field or the pair list for it. */
export function PairsModeChoice({ mode, onChange }: { mode: PairsMode; onChange: (mode: PairsMode) => void }) {
  return (
    <fieldset className="fieldset">
      <legend>This bot trades</legend>
      <div className="checkbox-row">
        <Radio name="start-pairs-mode" checked={mode === 'one'} onChange={() => onChange('one')}>
          One pair
        </Radio>
        <Radio name="start-pairs-mode" checked={mode === 'several'} onChange={() => onChange('several')}>
          Several pairs
        </Radio>
      </div>
    </fieldset>
  );
}

function Radio({ name, checked, onChange, children }: { name: string; checked: boolean; onChange: () => void; children: ReactNode }) {
  return (
    <label className="checkbox">
      <input type="radio" name={name} checked={checked} onChange={onChange} />
      {children}
    </label>
  );
}

interface PairListFieldsProps {
  values: PairListValues;
  errors: PairListErrors;
  onChange: (field: PairListField | 'kind', value: string) => void;
}

/** A fixed list of symbols, or the top N by 24 h quote volume with its filters; and max open trades. */
export function PairListFields({ values, errors, onChange }: PairListFieldsProps) {
  const size = listSize(values);
  const input = (field: PairListField, id: string, label: string, hint: string | undefined, extra: { inputMode?: 'decimal' | 'numeric'; placeholder?: string } = {}) => (
    <Field id={id} label={label} error={errors[field]} hint={hint}>
      <input
        id={id}
        type="text"
        autoComplete="off"
        spellCheck={false}
        {...extra}
        value={values[field]}
        onChange={(e) => onChange(field, e.target.value)}
        {...invalidProps(id, errors[field], hint ? `${id}-hint` : undefined)}
      />
    </Field>
  );
  return (
    <fieldset className="fieldset">
      <legend>Pair list</legend>
      <Field id="start-list-kind" label="List kind" error={undefined}>
        <select id="start-list-kind" value={values.kind} onChange={(e) => onChange('kind', e.target.value as ListKind)}>
          <option value="static">A fixed list of pairs</option>
          <option value="dynamic">The top pairs by 24 h quote volume</option>
        </select>
      </Field>
      {values.kind === 'static' ? (
        <Field id="start-pairs" label="Pairs" error={errors.pairsText} hint={staticHint(values.pairsText)}>
          <textarea
            id="start-pairs"
            rows={3}
            autoComplete="off"
            spellCheck={false}
            value={values.pairsText}
            onChange={(e) => onChange('pairsText', e.target.value)}
            {...invalidProps('start-pairs', errors.pairsText, 'start-pairs-hint')}
          />
        </Field>
      ) : (
        <>
          <div className="form__row">
            {input('topN', 'start-top-n', 'Top N', `How many pairs to trade, best 24 h quote volume first (at most ${MAX_PAIRS}).`, { inputMode: 'numeric' })}
            {input('quote', 'start-quote', 'Quote currency', 'Only markets quoted in it, e.g. USDT.')}
          </div>
          <div className="form__row">
            {input('minQuoteVolume', 'start-min-quote-volume', 'Min 24 h quote volume', 'Optional.', { inputMode: 'decimal' })}
            {input('minPrice', 'start-min-price', 'Min price', 'Optional: leaves out pairs priced below it.', { inputMode: 'decimal' })}
          </div>
          <div className="form__row">
            {input('maxSpreadRatio', 'start-max-spread', 'Max spread (ratio)', 'Optional: (ask − bid) / ask, e.g. 0.005 for 0.5 %.', { inputMode: 'decimal' })}
            {input('refreshMinutes', 'start-refresh-minutes', 'Rebuild every (minutes)', 'A pair that leaves the list while held is only exited.', { inputMode: 'numeric' })}
          </div>
        </>
      )}
      {input(
        'maxOpenTrades',
        'start-max-open-trades',
        'Max open trades',
        `How many pairs may hold a position (or an entry order) at once. Empty: ${size === null ? 'every pair' : `${size}, every pair`}.`,
        { inputMode: 'numeric', ...(size === null ? {} : { placeholder: String(size) }) },
      )}
    </fieldset>
  );
}

function staticHint(text: string): string {
  const pairs = splitPairs(text);
  const quotes = quotesOf(pairs);
  const base = 'Separate them with commas, spaces or new lines, e.g. BTC/USDT, ETH/USDT; all in one quote currency.';
  if (pairs.length === 0 || quotes.length !== 1) return base;
  const n = new Set(pairs).size;
  return `${base} Now: ${n} ${n === 1 ? 'pair' : 'pairs'} quoted in ${quotes[0] ?? ''}.`;
}
