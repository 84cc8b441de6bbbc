import { useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError, describeError } from '../../api/client';
import { Field, FieldError, invalidProps } from '../../components/Field';
import { capitalize } from '../../format';
import { CONNECTION_MODES, EXCHANGE_FACTS, EXCHANGE_IDS, MODE_HINTS, MODE_LABELS } from '../../api/exchanges';
import type { ConnectionMode, ExchangeId, MarketType } from '../../api/types';
import {
  initialValues,
  mapServerErrors,
  modesFor,
  needsCredentials,
  validate,
  withExchange,
  type FieldErrors,
  type FieldName,
  type FormContext,
  type FormValues,
} from './form-model';

interface ConnectionFormProps {
  context: FormContext;
  submitLabel: string;
  /** Sends the request; throws ApiError on failure (its field errors land on the fields). */
  onSubmit: (values: FormValues) => Promise<void>;
  onCancel: () => void;
}

const FIELD_ORDER: FieldName[] = ['name', 'exchange', 'mode', 'marketTypes', 'apiKey', 'apiSecret', 'passphrase'];

/** The add/edit form: adapts to the exchange and mode, validates as you type, maps the server's field errors. */
export function ConnectionForm({ context, submitLabel, onSubmit, onCancel }: ConnectionFormProps) {
  const [values, setValues] = useState<FormValues>(() => initialValues(context));
  const [touched, setTouched] = useState<Partial<Record<FieldName, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const ids = useFieldIds();

  const clientErrors = useMemo(() => validate(values, context), [values, context]);
  const facts = EXCHANGE_FACTS[values.exchange];
  const original = context.kind === 'edit' ? context.original : null;

  const errorFor = (field: FieldName): string | undefined =>
    serverErrors[field] ?? (touched[field] || submitted ? clientErrors[field] : undefined);

  const update = (patch: Partial<FormValues>, fields: FieldName[]): void => {
    setValues((v) => ({ ...v, ...patch }));
    setTouched((t) => ({ ...t, ...Object.fromEntries(fields.map((f) => [f, true])) }));
    setServerErrors((s) => {
      const next = { ...s };
      for (const f of fields) delete next[f];
      return next;
    });
  };

  // Leaving an empty field says nothing yet (its "required" error waits for submit), so errors never
  // appear under the pointer between mousedown and click.
  const touchIfFilled = (field: FieldName, value: string): void => {
    if (value !== '') setTouched((t) => ({ ...t, [field]: true }));
  };

  const focusField = (field: FieldName): void => {
    formRef.current?.querySelector<HTMLElement>(`[data-field="${field}"]`)?.focus();
  };

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setSubmitted(true);
    setGeneral([]);
    const firstInvalid = FIELD_ORDER.find((f) => clientErrors[f]);
    if (firstInvalid) {
      focusField(firstInvalid);
      return;
    }
    setBusy(true);
    try {
      await onSubmit(values);
    } catch (error) {
      const mapped = error instanceof ApiError ? mapServerErrors(error.fieldErrors) : { fields: {}, general: [] };
      if (error instanceof ApiError && error.status === 409 && /named/i.test(error.message)) mapped.fields.name = error.message;
      setServerErrors(mapped.fields);
      setGeneral([describeError(error), ...mapped.general]);
      const firstServer = FIELD_ORDER.find((f) => mapped.fields[f]);
      if (firstServer) focusField(firstServer);
    } finally {
      setBusy(false);
    }
  };

  const showRemove = original !== null && (original.apiKey !== null || original.hasApiSecret) && !needsCredentials(values.mode);
  const stored = original !== null && !values.removeCredentials;

  return (
    <form ref={formRef} className="form" noValidate onSubmit={(e) => void submit(e)} aria-busy={busy}>
      {general.length > 0 ? (
        <div className="notice notice--error" role="alert">
          <strong>Could not save.</strong>
          <ul className="plain-list">
            {general.map((g) => (
              <li key={g}>{g}</li>
            ))}
          </ul>
        </div>
      ) : null}

      <Field id={ids.name} label="Name" error={errorFor('name')}>
        <input
          id={ids.name}
          data-field="name"
          type="text"
          value={values.name}
          maxLength={200}
          autoComplete="off"
          placeholder="e.g. Binance main account"
          onChange={(e) => update({ name: e.target.value }, ['name'])}
          onBlur={(e) => touchIfFilled('name', e.target.value)}
          {...invalidProps(ids.name, errorFor('name'))}
        />
      </Field>

      <div className="form__row">
        <Field id={ids.exchange} label="Exchange" error={errorFor('exchange')}>
          <select
            id={ids.exchange}
            data-field="exchange"
            value={values.exchange}
            onChange={(e) => {
              setValues((v) => withExchange(v, e.target.value as ExchangeId));
              setTouched((t) => ({ ...t, exchange: true, marketTypes: true }));
              setServerErrors((s) => ({ ...s, exchange: undefined, marketTypes: undefined, passphrase: undefined }));
            }}
            {...invalidProps(ids.exchange, errorFor('exchange'))}
          >
            {EXCHANGE_IDS.map((id) => (
              <option key={id} value={id}>
                {EXCHANGE_FACTS[id].displayName}
              </option>
            ))}
          </select>
        </Field>

        <Field id={ids.mode} label="Mode" error={errorFor('mode')} hint={MODE_HINTS[values.mode]}>
          <select
            id={ids.mode}
            data-field="mode"
            value={values.mode}
            onChange={(e) => update({ mode: e.target.value as ConnectionMode }, ['mode'])}
            {...invalidProps(ids.mode, errorFor('mode'), `${ids.mode}-hint`)}
          >
            {/* The current mode stays listed (a stored testnet connection), flagged by the mode error. */}
            {CONNECTION_MODES.filter((m) => m === values.mode || modesFor(values.exchange).includes(m)).map((m) => (
              <option key={m} value={m}>
                {MODE_LABELS[m]}
              </option>
            ))}
          </select>
        </Field>
      </div>

      <fieldset className="field" aria-describedby={errorFor('marketTypes') ? `${ids.marketTypes}-error` : undefined}>
        <legend className="field__label">Market types</legend>
        <div className="checkbox-row">
          {facts.marketTypes.map((type, i) => (
            <label key={type} className="checkbox">
              <input
                type="checkbox"
                data-field={i === 0 ? 'marketTypes' : undefined}
                checked={values.marketTypes.includes(type)}
                onChange={(e) => update({ marketTypes: toggle(values.marketTypes, type, e.target.checked) }, ['marketTypes'])}
              />
              {capitalize(type)}
            </label>
          ))}
        </div>
        <FieldError id={`${ids.marketTypes}-error`} error={errorFor('marketTypes')} />
      </fieldset>

      {context.kind === 'create' ? (
        <label className="checkbox">
          <input type="checkbox" checked={values.enabled} onChange={(e) => update({ enabled: e.target.checked }, [])} />
          Enabled (health probes and engines may use it)
        </label>
      ) : null}

      <fieldset className="fieldset">
        <legend>API credentials</legend>
        <CredentialsNote mode={values.mode} editing={original !== null} />
        {original?.apiKey && stored ? (
          <p className="stored-key">
            Stored key <code>{original.apiKey.mask}</code> · fingerprint <code>{original.apiKey.fingerprint}</code>
          </p>
        ) : null}
        <Field id={ids.apiKey} label="API key" error={errorFor('apiKey')}>
          <input
            id={ids.apiKey}
            data-field="apiKey"
            type="password"
            value={values.apiKey}
            autoComplete="off"
            spellCheck={false}
            placeholder={original?.apiKey && stored ? 'Leave blank to keep the stored key' : ''}
            onChange={(e) => update({ apiKey: e.target.value }, ['apiKey'])}
            onBlur={(e) => touchIfFilled('apiKey', e.target.value)}
            {...invalidProps(ids.apiKey, errorFor('apiKey'))}
          />
        </Field>
        <Field id={ids.apiSecret} label="API secret" error={errorFor('apiSecret')}>
          <input
            id={ids.apiSecret}
            data-field="apiSecret"
            type="password"
            value={values.apiSecret}
            autoComplete="new-password"
            spellCheck={false}
            placeholder={original?.hasApiSecret && stored ? 'Leave blank to keep the stored secret' : ''}
            onChange={(e) => update({ apiSecret: e.target.value }, ['apiSecret'])}
            onBlur={(e) => touchIfFilled('apiSecret', e.target.value)}
            {...invalidProps(ids.apiSecret, errorFor('apiSecret'))}
          />
        </Field>
        {facts.needsPassphrase ? (
          <Field id={ids.passphrase} label="Passphrase" error={errorFor('passphrase')} hint={`${facts.displayName} keys have a passphrase, set when the key was created.`}>
            <input
              id={ids.passphrase}
              data-field="passphrase"
              type="password"
              value={values.passphrase}
              autoComplete="new-password"
              spellCheck={false}
              placeholder={original?.hasPassphrase && stored ? 'Leave blank to keep the stored passphrase' : ''}
              onChange={(e) => update({ passphrase: e.target.value }, ['passphrase'])}
              onBlur={(e) => touchIfFilled('passphrase', e.target.value)}
              {...invalidProps(ids.passphrase, errorFor('passphrase'), `${ids.passphrase}-hint`)}
            />
          </Field>
        ) : null}
        {showRemove ? (
          <label className="checkbox">
            <input type="checkbox" checked={values.removeCredentials} onChange={(e) => update({ removeCredentials: e.target.checked }, ['apiKey', 'apiSecret', 'passphrase'])} />
            Remove the stored credentials ({MODE_LABELS[values.mode].toLowerCase()} mode does not need them)
          </label>
        ) : null}
      </fieldset>

      <div className="dialog__actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  );
}

function CredentialsNote({ mode, editing }: { mode: ConnectionMode; editing: boolean }) {
  const need = needsCredentials(mode)
    ? `${MODE_LABELS[mode]} mode needs a key and secret. Use a trade-only key: withdrawal must stay disabled.`
    : `${MODE_LABELS[mode]} mode runs without keys; add them only if you want balances read from your account.`;
  return (
    <p className="muted small">
      {need} Secrets are encrypted at rest and never shown again.
      {editing ? ' Stored secrets stay as they are unless you type new ones here.' : ''}
    </p>
  );
}

function useFieldIds() {
  const base = useId();
  return {
    name: `${base}-name`,
    exchange: `${base}-exchange`,
    mode: `${base}-mode`,
    marketTypes: `${base}-market-types`,
    apiKey: `${base}-api-key`,
    apiSecret: `${base}-api-secret`,
    passphrase: `${base}-passphrase`,
  };
}

function toggle(list: MarketType[], type: MarketType, on: boolean): MarketType[] {
  return on ? [...list.filter((t) => t !== type), type] : list.filter((t) => t !== type);
}
