import type { FieldDoc } from '../../api/engine-types';
import { Field, invalidProps } from '../../components/Field';
import { boundsText, kindOf, paramLabel, type ParamErrors, type ParamValues } from './param-form';

interface ParamFieldsProps {
  /** Prefix of the input ids, unique on the page (e.g. "start-params"). */
  idPrefix: string;
  docs: readonly FieldDoc[];
  values: ParamValues;
  errors: ParamErrors;
  onChange: (name: string, value: string) => void;
}

/** Inputs generated from parameter docs: number inputs with bounds, decimal text, checkboxes, selects. */
export function ParamFields({ idPrefix, docs, values, errors, onChange }: ParamFieldsProps) {
  if (docs.length === 0) return <p className="muted small">This strategy has no parameters.</p>;
  return (
    <div className="param-grid">
      {docs.map((doc) => (
        <ParamField key={doc.name} id={`${idPrefix}-${doc.name}`} doc={doc} value={values[doc.name] ?? ''} error={errors[doc.name]} onChange={(v) => onChange(doc.name, v)} />
      ))}
    </div>
  );
}

interface ParamFieldProps {
  id: string;
  doc: FieldDoc;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}

function ParamField({ id, doc, value, error, onChange }: ParamFieldProps) {
  const kind = kindOf(doc);
  const label = paramLabel(doc.name);
  const hint = [doc.description, boundsText(doc)].filter(Boolean).join(' · ');
  const aria = invalidProps(id, error, `${id}-hint`);
  if (kind === 'boolean') {
    return (
      <div className="field field--checkbox">
        <label className="checkbox" htmlFor={id}>
          <input id={id} type="checkbox" checked={value === 'true'} onChange={(e) => onChange(e.target.checked ? 'true' : 'false')} aria-describedby={`${id}-hint`} />
          {label}
        </label>
        <p id={`${id}-hint`} className="field__hint">
          {doc.description}
        </p>
      </div>
    );
  }
  return (
    <Field id={id} label={label} error={error} hint={hint}>
      {kind === 'enum' ? (
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)} {...aria}>
          {doc.default === undefined ? <option value="">(none)</option> : null}
          {(doc.enum ?? []).map((option) => (
            <option key={String(option)} value={String(option)}>
              {String(option)}
            </option>
          ))}
        </select>
      ) : kind === 'integer' || kind === 'number' ? (
        <input
          id={id}
          type="number"
          inputMode={kind === 'integer' ? 'numeric' : 'decimal'}
          step={kind === 'integer' ? 1 : 'any'}
          min={doc.minimum ?? doc.exclusiveMinimum}
          max={doc.maximum ?? doc.exclusiveMaximum}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          {...aria}
        />
      ) : (
        <input id={id} type="text" inputMode={kind === 'decimal' ? 'decimal' : undefined} autoComplete="off" spellCheck={false} value={value} onChange={(e) => onChange(e.target.value)} {...aria} />
      )}
    </Field>
  );
}
