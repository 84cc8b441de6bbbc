import { monotonicFactory } from 'ulid';
import { type ConnectionFilter, type ConnectionRecord, type ConnectionRepository, type ConnectionView, type Credentials, type Page, type SealedCredentials, secretContext } from '../domain/connection.js';
import type { ConnectionTestResult } from '../domain/connection-test.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { ConnectionStatus } from '../domain/exchange-ids.js';
import type { SecretBox } from '../security/secret-box.js';
import { previewKey, validateDraft, type ConnectionDraft } from './connection-rules.js';
import { credentialFormatErrors, type CredentialValues } from './credential-rules.js';
import type { CreateConnectionInput, UpdateConnectionInput } from './connection.schemas.js';

/** Tells whether an engine is using a connection; the engine layer provides it. */
export interface ConnectionUsage {
  /** An engine runs on it or is due to (deleting the connection would strand it). */
  isInUse(connectionId: string): boolean | Promise<boolean>;
  /**
   * The engine that is starting, running, paused or stopping on the connection, described for the
   * person who must stop it ("sma-crossover on XRP/USDT (running)"); null when there is none.
   */
  activeEngine(connectionId: string): string | null | Promise<string | null>;
}

export interface ConnectionServiceDeps {
  repository: ConnectionRepository;
  secrets: SecretBox;
  usage?: ConnectionUsage;
  now?: () => Date;
}

type SecretField = 'apiKey' | 'apiSecret' | 'passphrase';
const SECRET_FIELDS: readonly SecretField[] = ['apiKey', 'apiSecret', 'passphrase'];

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
    assertCredentialFormat(input.exchange, input);
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
    await this.#assertNotTrading(current, patch);
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
    if (credentialsChanged || next.exchange !== current.exchange) assertCredentialFormat(next.exchange, this.#effectiveCredentials(id, next.sealed));
    if (patch.apiKey !== undefined) next.apiKeyPreview = patch.apiKey === null ? null : previewKey(patch.apiKey);
    if (credentialsChanged) next.keyVersion = hasAnySecret(next.sealed) ? this.#secrets.keyVersion : null;
    if (next.name !== current.name) await this.#assertNameFree(next.name, id);

    const testInvalidated =
      credentialsChanged || next.exchange !== current.exchange || next.mode !== current.mode || !sameSet(next.marketTypes, current.marketTypes);
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
      const engine = (await this.#usage?.activeEngine(id)) ?? 'its trade engine';
      throw new ConflictError(`This connection is used by ${engine}: stop the engine (POST /api/trade-engine/stop) before deleting the connection`);
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

  /**
   * Health's verdict; `updatedAt` is left alone: it tracks the user's edits, and caches key on it.
   * Health reaches the exchange, it does not prove the key: a healthy probe never shows a connection
   * better than its own test said — never tested stays `untested`, a test with warnings (a key that
   * can withdraw) stays `degraded` — so the badge and the test line never contradict each other.
   */
  async setStatus(id: string, status: ConnectionStatus): Promise<void> {
    let shown = status;
    if (status === 'ok') {
      const outcome = (await this.#repo.findById(id))?.lastTestResult?.outcome;
      if (outcome === undefined) shown = 'untested';
      else if (outcome === 'warning') shown = 'degraded';
    }
    await this.#repo.updateStatusIfEnabled(id, shown);
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

  /** Names are unique ignoring case and Unicode composition ("Main" and "main" are one name to people). */
  async #assertNameFree(name: string, selfId?: string): Promise<void> {
    const key = nameKey(name);
    // Connections are few (hundreds at most); the exact-name lookup stays as the storage's own guard.
    const clash = (await this.#repo.findByName(name)) ?? (await this.#repo.all()).find((r) => nameKey(r.name) === key);
    if (clash && clash.id !== selfId) throw new ConflictError(`A connection named "${clash.name}" already exists (names are compared ignoring case)`);
  }

  /**
   * While an engine trades on the connection, what the engine was started with (exchange, mode,
   * market types, credentials, being enabled) must not change under it: the engine would keep trading
   * on the old account while the connection says otherwise. Name and rate-limit tier stay editable.
   */
  async #assertNotTrading(current: ConnectionRecord, patch: UpdateConnectionInput): Promise<void> {
    const locked = lockedChanges(current, patch);
    if (locked.length === 0 || !this.#usage) return;
    const engine = await this.#usage.activeEngine(current.id);
    if (engine === null) return;
    throw new ConflictError(
      `Connection "${current.name}" is used by ${engine}: stop that engine (POST /api/trade-engine/stop) before changing ${locked.join(', ')}`,
    );
  }

  /** The credentials as they would be stored after the change, opened only to check their format. */
  #effectiveCredentials(id: string, sealed: SealedCredentials): CredentialValues {
    const open = (field: SecretField): string | undefined => {
      const value = sealed[field];
      return value === null ? undefined : this.#secrets.open(value, secretContext(id, field));
    };
    return { apiKey: open('apiKey'), apiSecret: open('apiSecret'), passphrase: open('passphrase') };
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

function assertCredentialFormat(exchange: ConnectionRecord['exchange'], values: CredentialValues): void {
  const errors = credentialFormatErrors(exchange, values);
  if (errors.length > 0) throw new ValidationError('The credentials are not in the format the exchange issues', errors);
}

/** The fields of a PATCH that would change what a running engine trades on. */
function lockedChanges(current: ConnectionRecord, patch: UpdateConnectionInput): string[] {
  const changed: string[] = [];
  if (patch.exchange !== undefined && patch.exchange !== current.exchange) changed.push('exchange');
  if (patch.mode !== undefined && patch.mode !== current.mode) changed.push('mode');
  if (patch.marketTypes !== undefined && !sameSet(patch.marketTypes, current.marketTypes)) changed.push('marketTypes');
  if (patch.enabled === false && current.enabled) changed.push('enabled');
  for (const field of SECRET_FIELDS) {
    const value = patch[field];
    if (value !== undefined && !(value === null && current.sealed[field] === null)) changed.push(field);
  }
  return changed;
}

function sameSet<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** What names are compared by: NFC, then case folded (upper then lower also folds ß and the like). */
export function nameKey(name: string): string {
  return name.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
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
