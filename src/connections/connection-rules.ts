import { createHash } from 'node:crypto';
import type { FieldError } from '../domain/errors.js';
import type { KeyPreview } from '../domain/connection.js';
import { EXCHANGE_FACTS, type ConnectionMode, type ExchangeId, type MarketType } from '../domain/exchange-ids.js';

/** The connection as it would be after a create or update, before anything is stored. */
export interface ConnectionDraft {
  exchange: ExchangeId;
  marketTypes: MarketType[];
  mode: ConnectionMode;
  hasApiKey: boolean;
  hasApiSecret: boolean;
  hasPassphrase: boolean;
  hasRateLimitTier?: boolean;
}

const MODES_NEEDING_CREDENTIALS: readonly ConnectionMode[] = ['live', 'testnet'];

/** Rules that span fields, checked on the whole result of a create or a PATCH. */
export function validateDraft(draft: ConnectionDraft): FieldError[] {
  const errors: FieldError[] = [];
  const facts = EXCHANGE_FACTS[draft.exchange];
  const unsupported = draft.marketTypes.filter((t) => !facts.marketTypes.includes(t));
  if (unsupported.length > 0) {
    errors.push({
      path: 'marketTypes',
      message: `${facts.displayName} does not support ${unsupported.join(', ')}; choose from ${facts.marketTypes.join(', ')}`,
    });
  }
  if (new Set(draft.marketTypes).size !== draft.marketTypes.length) {
    errors.push({ path: 'marketTypes', message: 'must not list a market type twice' });
  }
  if (draft.mode === 'testnet' && !facts.hasTestnet) {
    errors.push({ path: 'mode', message: `${facts.displayName} has no testnet; use paper mode to try it without real money` });
  }
  if (MODES_NEEDING_CREDENTIALS.includes(draft.mode)) {
    if (!draft.hasApiKey) errors.push({ path: 'apiKey', message: `is required for ${draft.mode} mode` });
    if (!draft.hasApiSecret) errors.push({ path: 'apiSecret', message: `is required for ${draft.mode} mode` });
    if (facts.needsPassphrase && !draft.hasPassphrase) {
      errors.push({ path: 'passphrase', message: `is required for ${facts.displayName} in ${draft.mode} mode` });
    }
  }
  if (draft.hasApiKey !== draft.hasApiSecret) {
    const missing = draft.hasApiKey ? 'apiSecret' : 'apiKey';
    errors.push({ path: missing, message: 'API key and secret go together: send both or neither' });
  }
  if (draft.hasPassphrase && !facts.needsPassphrase) {
    errors.push({ path: 'passphrase', message: `${facts.displayName} keys have no passphrase; leave it out` });
  }
  if (draft.hasRateLimitTier && draft.exchange !== 'kraken') {
    errors.push({ path: 'rateLimitTier', message: 'only Kraken has verification tiers; leave it out' });
  }
  return errors;
}

export function previewKey(apiKey: string): KeyPreview {
  return {
    mask: `${apiKey.slice(0, 4)}…${apiKey.slice(-4)}`,
    fingerprint: createHash('sha256').update(apiKey, 'utf8').digest('hex').slice(0, 8),
  };
}

