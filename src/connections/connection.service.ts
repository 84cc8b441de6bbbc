import { monotonicFactory } from 'ulid';
import type {
  ConnectionFilter,
  ConnectionRecord,
  ConnectionRepository,
  ConnectionView,
  Credentials,
  Page,
  SealedCredentials,
} from '../domain/connection.js';
import type { ConnectionTestResult } from '../domain/connection-test.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { ConnectionStatus } from '../domain/exchange-ids.js';
import type { SecretBox } from '../security/secret-box.js';
import { previewKey, secretContext, validateDraft, type ConnectionDraft } from './connection-rules.js';
import type { CreateConnectionInput, UpdateConnectionInput } from './connection.schemas.js';

/** Tells whether an engine is using a connection; the engine layer provides it. */
export interface ConnectionUsage {
  isInUse(connectionId: string): boolean | Promise<boolean>;
}

export interface ConnectionServiceDeps {
  repository: ConnectionRepository;
  secrets: SecretBox;
  usage?: ConnectionUsage;
  now?: () => Date;
}

type SecretField = 'apiKey' | 'apiSecret' | 'passphrase';

/** Connections: create, read, change, delete. Secrets go in sealed and never come back out to callers. */
export class ConnectionService {
  readonly #repo: ConnectionRepository;
  readonly #secrets: SecretBox;
  readonly #usage: ConnectionUsage | undefined;
  readonly #now: () => Date;
  readonly #newId = monotonicFactory();
  readonly #listeners: ((id: string) => void)[] = [];

  constructor(deps: ConnectionServiceDeps) {
    this.#repo = deps.repository;
    this.#secrets = deps.secrets;
    this.#usage = deps.usage;
    this.#now = deps.now ?? (() => new Date());
  }

  async create(input: CreateConnectionInput): Promise<ConnectionView> {
    assertValid({
      exchange: input.exchange,
      marketTypes: input.marketTypes,
      mode: input.mode,
      hasApiKey: input.apiKey !== undefined,
      hasApiSecret: input.apiSecret !== undefined,
      hasPassphrase: input.passphrase !== undefined,
      hasRateLimitTier: input.rateLimitTier !== undefined,
    });
    await this.#assertNameFree(input.name);
    const id = this.#newId();
    const now = this.#now().toISOString();
    const record: ConnectionRecord = {
      id,
      name: input.name,
      exchange: input.exchange,
      marketTypes: input.marketTypes,
      mode: input.mode,
      enabled: input.enabled,
      status: input.enabled ? 'untested' : 'disabled',
      sealed: {
        apiKey: this.#seal(id, 'apiKey', input.apiKey),
        apiSecret: this.#seal(id, 'apiSecret', input.apiSecret),
        passphrase: this.#seal(id, 'passphrase', input.passphrase),
      },
      apiKeyPreview: input.apiKey ? previewKey(input.apiKey) : null,
      keyVersion: input.apiKey || input.apiSecret || input.passphrase ? this.#secrets.keyVersion : null,
      rateLimitTier: input.rateLimitTier ?? null,
      lastTestAt: null,
      lastTestResult: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.#repo.insert(record);
    this.#changed(id);
    return toView(record);
  }

  async list(filter: ConnectionFilter, page: Page): Promise<{ items: ConnectionView[]; total: number } & Page> {
    const { items, total } = await this.#repo.list(filter, page);
    return { items: items.map(toView), total, ...page };
  }

  countByStatus(): Promise<Partial<Record<ConnectionStatus, number>>> {
    return this.#repo.countByStatus();
  }

  async get(id: string): Promise<ConnectionView> {
    return toView(await this.#require(id));
  }

  async update(id: string, patch: UpdateConnectionInput): Promise<ConnectionView> {
    const current = await this.#require(id);
    const credentialsChanged = patch.apiKey !== undefined || patch.apiSecret !== undefined || patch.passphrase !== undefined;
    const next: ConnectionRecord = {
      ...current,
      name: patch.name ?? current.name,
      exchange: patch.exchange ?? current.exchange,
      marketTypes: patch.marketTypes ?? current.marketTypes,
      mode: patch.mode ?? current.mode,
      enabled: patch.enabled ?? current.enabled,
      rateLimitTier: patch.rateLimitTier === undefined ? current.rateLimitTier : patch.rateLimitTier,
      sealed: this.#patchSecrets(id, current.sealed, patch),
      updatedAt: this.#now().toISOString(),
    };
    assertValid(draftOf(next));
    if (patch.apiKey !== undefined) next.apiKeyPreview = patch.apiKey === null ? null : previewKey(patch.apiKey);
    if (credentialsChanged) next.keyVersion = hasAnySecret(next.sealed) ? this.#secrets.keyVersion : null;
    if (next.name !== current.name) await this.#assertNameFree(next.name);

    const testInvalidated =
      credentialsChanged || next.exchange !== current.exchange || next.mode !== current.mode;
    next.status = nextStatus(current, next.enabled, testInvalidated);
    if (testInvalidated) {
      next.lastTestAt = null;
      next.lastTestResult = null;
    }
    await this.#repo.update(next);
    this.#changed(id);
    return toView(next);
  }

  async delete(id: string): Promise<void> {
    await this.#require(id);
    if (await this.#usage?.isInUse(id)) {
      throw new ConflictError('This connection has a running trade engine: stop the engine before deleting the connection');
    }
    await this.#repo.delete(id);
    this.#changed(id);
  }

  /** Decrypts credentials for an exchange adapter; never for a response. */
  async credentialsFor(id: string): Promise<Credentials | undefined> {
    const record = await this.#require(id);
    const { apiKey, apiSecret, passphrase } = record.sealed;
    if (!apiKey || !apiSecret) return undefined;
    return {
      apiKey: this.#secrets.open(apiKey, secretContext(id, 'apiKey')),
      apiSecret: this.#secrets.open(apiSecret, secretContext(id, 'apiSecret')),
      ...(passphrase ? { passphrase: this.#secrets.open(passphrase, secretContext(id, 'passphrase')) } : {}),
    };
  }

  /**
   * Stores a test result, unless the connection changed since `testedVersion` (its `updatedAt` when
   * the test started). Returns whether it was stored.
   */
  async recordTestResult(id: string, result: ConnectionTestResult, status: ConnectionStatus, testedVersion: string): Promise<boolean> {
    return this.#repo.recordTest(id, { status, lastTestAt: result.startedAt, lastTestResult: result }, testedVersion);
  }

  /** Health's verdict; `updatedAt` is left alone: it tracks the user's edits, and caches key on it. */
  async setStatus(id: string, status: ConnectionStatus): Promise<void> {
    await this.#repo.updateStatusIfEnabled(id, status);
  }

  /** Called after every create, update or delete (health refreshes its list, engines their views). */
  onChange(listener: (id: string) => void): void {
    this.#listeners.push(listener);
  }

  #changed(id: string): void {
    for (const listener of this.#listeners) listener(id);
  }

  async #require(id: string): Promise<ConnectionRecord> {
    const record = await this.#repo.findById(id);
    if (!record) throw new NotFoundError(`No connection with id ${id}`);
    return record;
  }

  async #assertNameFree(name: string): Promise<void> {
    if (await this.#repo.findByName(name)) throw new ConflictError(`A connection named "${name}" already exists`);
  }

  #seal(id: string, field: SecretField, value: string | undefined): string | null {
    return value === undefined ? null : this.#secrets.seal(value, secretContext(id, field));
  }

  #patchSecrets(id: string, current: SealedCredentials, patch: UpdateConnectionInput): SealedCredentials {
    const pick = (field: SecretField): string | null => {
      const value = patch[field];
      if (value === undefined) return current[field];
      return value === null ? null : this.#secrets.seal(value, secretContext(id, field));
    };
    return { apiKey: pick('apiKey'), apiSecret: pick('apiSecret'), passphrase: pick('passphrase') };
  }
}

function assertValid(draft: ConnectionDraft): void {
  const errors = validateDraft(draft);
  if (errors.length > 0) throw new ValidationError('The connection is not valid', errors);
}

function draftOf(record: ConnectionRecord): ConnectionDraft {
  return {
    exchange: record.exchange,
    marketTypes: record.marketTypes,
    mode: record.mode,
    hasApiKey: record.sealed.apiKey !== null,
    hasApiSecret: record.sealed.apiSecret !== null,
    hasPassphrase: record.sealed.passphrase !== null,
    hasRateLimitTier: record.rateLimitTier !== null,
  };
}

function hasAnySecret(sealed: SealedCredentials): boolean {
  return sealed.apiKey !== null || sealed.apiSecret !== null || sealed.passphrase !== null;
}

/** Disabling shows `disabled`; anything that invalidates the last test (or re-enabling) shows `untested`. */
function nextStatus(current: ConnectionRecord, enabled: boolean, testInvalidated: boolean): ConnectionStatus {
  if (!enabled) return 'disabled';
  if (!current.enabled || testInvalidated) return 'untested';
  return current.status;
}

export function toView(record: ConnectionRecord): ConnectionView {
  return {
    id: record.id,
    name: record.name,
    exchange: record.exchange,
    marketTypes: record.marketTypes,
    mode: record.mode,
    enabled: record.enabled,
    status: record.status,
    apiKey: record.apiKeyPreview,
    hasApiSecret: record.sealed.apiSecret !== null,
    hasPassphrase: record.sealed.passphrase !== null,
    rateLimitTier: record.rateLimitTier,
    lastTestAt: record.lastTestAt,
    lastTestResult: record.lastTestResult,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
