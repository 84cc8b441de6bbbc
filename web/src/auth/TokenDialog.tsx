import { useId, useState, type FormEvent } from 'react';
import { Dialog } from '../components/Dialog';
import { setToken } from './token';

/** Asks once for the admin token (kept for this browser session only). */
export function TokenDialog({ rejected, onSaved }: { rejected: boolean; onSaved: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (value.trim() === '') {
      setError('Enter the admin token.');
      return;
    }
    setToken(value.trim());
    onSaved();
  };
  return (
    <Dialog
      title="Admin token required"
      size="small"
      onClose={() => setError('The API cannot be used without the token.')}
      description="This CTS server is protected by an admin token (CTS_ADMIN_TOKEN). It is kept for this browser session only."
    >
      <form className="form" onSubmit={submit} noValidate>
        {rejected ? (
          <p className="notice notice--error" role="alert">
            The server did not accept that token. Check it and try again.
          </p>
        ) : null}
        <div className={`field${error ? ' field--invalid' : ''}`}>
          <label className="field__label" htmlFor={id}>
            Admin token
          </label>
          <input
            id={id}
            type="password"
            autoComplete="current-password"
            value={value}
            onChange={(e) => {
              setValue(e.target.value);
              setError(null);
            }}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
          />
          {error ? (
            <p id={`${id}-error`} className="field__error">
              {error}
            </p>
          ) : null}
        </div>
        <div className="dialog__actions">
          <button type="submit" className="button button--primary">
            Continue
          </button>
        </div>
      </form>
    </Dialog>
  );
}
