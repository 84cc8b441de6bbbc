import type { FieldDoc } from '../../api/engine-types';
import { ParamFields } from './ParamFields';
import type { ParamErrors, ParamValues } from './param-form';

/** The risk settings of a perpetual (leverage, margin mode, liquidation buffer) apart from the rest. */
const DERIVATIVE_RISK_FIELDS: ReadonlySet<string> = new Set(['leverage', 'marginMode', 'liquidationBufferPct']);

/** The risk docs split into a perpetual's own settings and the rest (which every pair has). */
export function splitRiskDocs(docs: readonly FieldDoc[]): [FieldDoc[], FieldDoc[]] {
  return [docs.filter((d) => DERIVATIVE_RISK_FIELDS.has(d.name)), docs.filter((d) => !DERIVATIVE_RISK_FIELDS.has(d.name))];
}

interface PerpetualRiskFieldsProps {
  /** Prefix of the input ids, the same as the other risk fields' (`start-risk`, `bt-risk`). */
  idPrefix: string;
  /** The perpetual's risk docs (the first half of `splitRiskDocs`). */
  docs: readonly FieldDoc[];
  values: ParamValues;
  errors: ParamErrors;
  onChange: (name: string, value: string) => void;
  /** What the settings do where the form sends them (set on the exchange, or modelled by the backtest). */
  hint: string;
}

/**
 * "Perpetual: leverage and margin": leverage, margin mode and liquidation buffer, shown only for a
 * perpetual (a symbol with a settle currency, `BTC/USDT:USDT`); the live start form and the backtest
 * form both use it.
 */
export function PerpetualRiskFields({ idPrefix, docs, values, errors, onChange, hint }: PerpetualRiskFieldsProps) {
  if (docs.length === 0) return null;
  return (
    <fieldset className="fieldset">
      <legend>Perpetual: leverage and margin</legend>
      <p className="field__hint">{hint}</p>
      <ParamFields idPrefix={idPrefix} docs={docs} values={values} errors={errors} onChange={onChange} />
    </fieldset>
  );
}
