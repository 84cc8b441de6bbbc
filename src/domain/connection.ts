import type { ConnectionTestResult } from './connection-test.js';
import type { ConnectionMode, ConnectionStatus, ExchangeId, MarketType, RateLimitTier } from './exchange-ids.js';

/** What the API shows of a stored API key: never the key itself. */
export interface KeyPreview {
  /** First and last characters with the middle elided, e.g. "abcd…wxyz". */
  mask: string;
  /** First 8 hex characters of SHA-256 of the key: lets a user match a key without revealing it. */
  fingerprint: string;
}

/** A connection as every API response shows it. Secrets are absent by construction. */
export interface ConnectionView {
  id: string;
  name: string;
  exchange: ExchangeId;
  marketTypes: MarketType[];
  mode: ConnectionMode;
  enabled: boolean;
  status: ConnectionStatus;
  apiKey: KeyPreview | null;
  hasApiSecret: boolean;
  hasPassphrase: boolean;
  /** Kraken only: the account's verification tier, which sets its rate limits (null: starter, the safest). */
  rateLimitTier: RateLimitTier | null;
  lastTestAt: string | null;
  lastTestResult: ConnectionTestResult | null;
  createdAt: string;
  updatedAt: string;
}

/** The stored row in domain terms: secrets only in sealed (encrypted) form. */
export interface ConnectionRecord {
  id: string;
  name: string;
  exchange: ExchangeId;
  marketTypes: MarketType[];
  mode: ConnectionMode;
  enabled: boolean;
  status: ConnectionStatus;
  sealed: SealedCredentials;
  apiKeyPreview: KeyPreview | null;
  keyVersion: number | null;
  rateLimitTier: RateLimitTier | null;
  lastTestAt: string | null;
  lastTestResult: ConnectionTestResult | null;
  createdAt: string;
  updatedAt: string;
}

export interface SealedCredentials {
  apiKey: string | null;
  apiSecret: string | null;
  passphrase: string | null;
}

/** Decrypted credentials: only ever held in memory on the way to an exchange adapter. */
export interface Credentials {
  apiKey: string;
  apiSecret: string;
  passphrase?: string;
}

export interface ConnectionFilter {
  exchange?: ExchangeId;
  status?: ConnectionStatus;
  enabled?: boolean;
  mode?: ConnectionMode;
  marketType?: MarketType;
}

export interface Page {
  limit: number;
  offset: number;
}

/** The storage port for connections; the service never sees SQL or driver types. */
export interface ConnectionRepository {
  insert(record: ConnectionRecord): Promise<void>;
  update(record: ConnectionRecord): Promise<void>;
  delete(id: string): Promise<boolean>;
  findById(id: string): Promise<ConnectionRecord | undefined>;
  findByName(name: string): Promise<ConnectionRecord | undefined>;
  list(filter: ConnectionFilter, page: Page): Promise<{ items: ConnectionRecord[]; total: number }>;
  /** Every row, for key rotation. */
  all(): Promise<ConnectionRecord[]>;
  countByStatus(): Promise<Partial<Record<ConnectionStatus, number>>>;
  /**
   * Stores a test result unless the connection was edited since the test started (`updated_at`
   * changed): a result about old credentials must not land on new ones. Returns whether it was stored.
   */
  recordTest(id: string, test: { status: ConnectionStatus; lastTestAt: string; lastTestResult: ConnectionTestResult }, testedVersion: string): Promise<boolean>;
  /** Sets only the status of an enabled connection (health updates must not clobber concurrent edits). */
  updateStatusIfEnabled(id: string, status: ConnectionStatus): Promise<void>;
}

/** Where a sealed secret lives; bound into the ciphertext as additional authenticated data. */
export function secretContext(connectionId: string, field: 'apiKey' | 'apiSecret' | 'passphrase'): string {
  return `connection:${connectionId}:${field}`;
}
