import { CONNECTION_MODES, EXCHANGE_FACTS, MODES_NEEDING_CREDENTIALS } from '../../api/exchanges';
import type {
  ConnectionMode,
  ConnectionView,
  CreateConnectionBody,
  ExchangeId,
  FieldError,
  MarketType,
  UpdateConnectionBody,
} from '../../api/types';

/**
 * The add/edit form as pure data and rules: what the fields hold, what is wrong with them (mirroring the
 * server's rules so mistakes show while typing), and the request body each submit sends.
 */
export interface FormValues {
  name: string;
  exchange: ExchangeId;
  mode: ConnectionMode;
  marketTypes: MarketType[];
  enabled: boolean;
  apiKey: string;
  apiSecret: string;
  passphrase: string;
  /** Edit only: drop the stored credentials (allowed for paper and replay). */
  removeCredentials: boolean;
}

export type FieldName = 'name' | 'exchange' | 'mode' | 'marketTypes' | 'apiKey' | 'apiSecret' | 'passphrase';
export type FieldErrors = Partial<Record<FieldName, string>>;

export type FormContext = { kind: 'create' } | { kind: 'edit'; original: ConnectionView };

export const FIELD_LABELS: Record<FieldName, string> = {
  name: 'Name',
  exchange: 'Exchange',
  mode: 'Mode',
  marketTypes: 'Market types',
  apiKey: 'API key',
  apiSecret: 'API secret',
  passphrase: 'Passphrase',
};

export function initialValues(context: FormContext): FormValues {
  if (context.kind === 'edit') {
    const c = context.original;
    return {
      name: c.name,
      exchange: c.exchange,
      mode: c.mode,
      marketTypes: [...c.marketTypes],
      enabled: c.enabled,
      apiKey: '',
      apiSecret: '',
      passphrase: '',
      removeCredentials: false,
    };
  }
  return {
    name: '',
    exchange: 'binance',
    mode: 'live',
    marketTypes: ['spot'],
    enabled: true,
    apiKey: '',
    apiSecret: '',
    passphrase: '',
    removeCredentials: false,
  };
}

/** The modes an exchange offers: testnet only where it has one (Kraken, Coinbase and HTX have none). */
export function modesFor(exchange: ExchangeId): ConnectionMode[] {
  return CONNECTION_MODES.filter((m) => m !== 'testnet' || EXCHANGE_FACTS[exchange].hasTestnet);
}

/**
 * Switching exchange keeps the market types the new exchange also has (spot, which all have, otherwise),
 * and turns testnet into paper (the play-money mode every exchange has) where the new one has no testnet.
 */
export function withExchange(values: FormValues, exchange: ExchangeId): FormValues {
  const supported = EXCHANGE_FACTS[exchange].marketTypes;
  const kept = values.marketTypes.filter((t) => supported.includes(t));
  return {
    ...values,
    exchange,
    mode: modesFor(exchange).includes(values.mode) ? values.mode : 'paper',
    marketTypes: kept.length > 0 ? kept : [supported[0] ?? 'spot'],
    passphrase: EXCHANGE_FACTS[exchange].needsPassphrase ? values.passphrase : '',
  };
}

export function needsCredentials(mode: ConnectionMode): boolean {
  return MODES_NEEDING_CREDENTIALS.includes(mode);
}

interface Stored {
  apiKey: boolean;
  apiSecret: boolean;
  passphrase: boolean;
}

function storedCredentials(values: FormValues, context: FormContext): Stored {
  if (context.kind === 'create' || values.removeCredentials) return { apiKey: false, apiSecret: false, passphrase: false };
  const c = context.original;
  return { apiKey: c.apiKey !== null, apiSecret: c.hasApiSecret, passphrase: c.hasPassphrase };
}

/** As the server refuses them: control, invisible formatting (bidi overrides, zero-width) and separator characters. */
const CONTROL_CHARS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const LONE_SURROGATE = /\p{Cs}/u;

/** Every problem with the current values, one message per field. */
export function validate(values: FormValues, context: FormContext): FieldErrors {
  const errors: FieldErrors = {};
  const facts = EXCHANGE_FACTS[values.exchange];
  const name = values.name.trim();
  if (name === '') errors.name = 'Name must not be empty.';
  else if (name.length > 100) errors.name = `Name must be at most 100 characters (now ${name.length}).`;
  else if (CONTROL_CHARS.test(name)) errors.name = 'Name must not contain control or invisible formatting characters.';
  else if (LONE_SURROGATE.test(name)) errors.name = 'Name must be valid Unicode text.';

  if (!modesFor(values.exchange).includes(values.mode)) errors.mode = `${facts.displayName} has no testnet; use paper mode.`;

  if (values.marketTypes.length === 0) errors.marketTypes = 'Choose at least one market type.';
  else {
    const unsupported = values.marketTypes.filter((t) => !facts.marketTypes.includes(t));
    if (unsupported.length > 0) errors.marketTypes = `${facts.displayName} does not support ${unsupported.join(', ')}.`;
  }

  const key = values.apiKey;
  const secret = values.apiSecret;
  const passphrase = values.passphrase;
  if (key !== '') {
    if (key.length < 16) errors.apiKey = `API key must be at least 16 characters (now ${key.length}).`;
    else if (key.length > 512) errors.apiKey = 'API key must be at most 512 characters.';
    else if (key.trim() !== key) errors.apiKey = 'API key must not start or end with a space.';
  }
  if (secret !== '') {
    if (secret.length < 16) errors.apiSecret = `API secret must be at least 16 characters (now ${secret.length}).`;
    else if (secret.length > 8192) errors.apiSecret = 'API secret must be at most 8192 characters.';
  }
  if (facts.needsPassphrase && passphrase.length > 256) errors.passphrase = 'Passphrase must be at most 256 characters.';

  const stored = storedCredentials(values, context);
  if (needsCredentials(values.mode)) {
    const modeLabel = values.mode;
    if (key === '' && !stored.apiKey) errors.apiKey ??= `API key is required for ${modeLabel} mode.`;
    if (secret === '' && !stored.apiSecret) errors.apiSecret ??= `API secret is required for ${modeLabel} mode.`;
    const keepsPassphrase = stored.passphrase && (context.kind === 'create' || EXCHANGE_FACTS[context.original.exchange].needsPassphrase);
    if (facts.needsPassphrase && passphrase === '' && !keepsPassphrase) {
      errors.passphrase ??= `Passphrase is required for ${facts.displayName} in ${modeLabel} mode.`;
    }
  }
  // A new key comes with its own secret: typing one without the other is almost always a mistake.
  if (key !== '' && secret === '') errors.apiSecret ??= 'Type the API secret that belongs to this key.';
  if (secret !== '' && key === '') errors.apiKey ??= 'Type the API key that belongs to this secret.';
  return errors;
}

export function toCreateBody(values: FormValues): CreateConnectionBody {
  const needsPassphrase = EXCHANGE_FACTS[values.exchange].needsPassphrase;
  return {
    name: values.name.trim(),
    exchange: values.exchange,
    marketTypes: values.marketTypes,
    mode: values.mode,
    enabled: values.enabled,
    ...(values.apiKey ? { apiKey: values.apiKey } : {}),
    ...(values.apiSecret ? { apiSecret: values.apiSecret } : {}),
    ...(needsPassphrase && values.passphrase ? { passphrase: values.passphrase } : {}),
  };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** Only what changed; secrets only when typed (or removed on purpose). */
export function toPatchBody(values: FormValues, original: ConnectionView): UpdateConnectionBody {
  const body: UpdateConnectionBody = {};
  const name = values.name.trim();
  if (name !== original.name) body.name = name;
  if (values.exchange !== original.exchange) body.exchange = values.exchange;
  if (!sameSet(values.marketTypes, original.marketTypes)) body.marketTypes = values.marketTypes;
  if (values.mode !== original.mode) body.mode = values.mode;
  if (values.enabled !== original.enabled) body.enabled = values.enabled;
  const needsPassphrase = EXCHANGE_FACTS[values.exchange].needsPassphrase;
  if (values.removeCredentials) {
    if (original.apiKey !== null) body.apiKey = null;
    if (original.hasApiSecret) body.apiSecret = null;
    if (original.hasPassphrase) body.passphrase = null;
  }
  if (values.apiKey) body.apiKey = values.apiKey;
  if (values.apiSecret) body.apiSecret = values.apiSecret;
  if (needsPassphrase && values.passphrase) body.passphrase = values.passphrase;
  // A passphrase stored for an exchange that has none would be refused: drop it with the switch.
  if (!needsPassphrase && original.hasPassphrase) body.passphrase = null;
  return body;
}

const FIELD_NAMES = Object.keys(FIELD_LABELS) as FieldName[];

/** The server's field errors onto the form's fields; whatever matches no field stays general. */
export function mapServerErrors(errors: readonly FieldError[]): { fields: FieldErrors; general: string[] } {
  const fields: FieldErrors = {};
  const general: string[] = [];
  for (const error of errors) {
    const head = error.path.split('.')[0] ?? '';
    const field = FIELD_NAMES.find((f) => f === head);
    if (field) {
      const text = serverMessage(FIELD_LABELS[field], error.message);
      fields[field] = fields[field] ? `${fields[field]} ${text}` : text;
    } else {
      general.push(error.path && error.path !== '(root)' ? `${error.path}: ${error.message}` : error.message);
    }
  }
  return { fields, general };
}

/** "must be at least 16 characters" → "API key must be at least 16 characters." */
export function serverMessage(label: string, message: string): string {
  const sentence = /^[a-z]/.test(message) ? `${label} ${message}` : message;
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
