import type { Kysely, Selectable } from 'kysely';
import { ConflictError } from '../domain/errors.js';
import type {
  ConnectionFilter,
  ConnectionRecord,
  ConnectionRepository,
  Page,
} from '../domain/connection.js';
import type { ConnectionTestResult } from '../domain/connection-test.js';
import type { ConnectionMode, ConnectionStatus, ExchangeId, MarketType, RateLimitTier } from '../domain/exchange-ids.js';
import type { ConnectionsTable, Database } from './schema.js';

type Row = Selectable<ConnectionsTable>;
type Db = Kysely<Database>;

/** Kysely implementation of the connection repository, identical on SQLite and Postgres. */
export class SqlConnectionRepository implements ConnectionRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async insert(record: ConnectionRecord): Promise<void> {
    try {
      await this.#db.insertInto('connections').values(toRow(record)).execute();
    } catch (error) {
      throw translateUniqueViolation(error, record.name);
    }
  }

  async update(record: ConnectionRecord): Promise<void> {
    const { id, ...rest } = toRow(record);
    try {
      await this.#db.updateTable('connections').set(rest).where('id', '=', id).execute();
    } catch (error) {
      throw translateUniqueViolation(error, record.name);
    }
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('connections').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async findById(id: string): Promise<ConnectionRecord | undefined> {
    const row = await this.#db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async findByName(name: string): Promise<ConnectionRecord | undefined> {
    const row = await this.#db.selectFrom('connections').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async list(filter: ConnectionFilter, page: Page): Promise<{ items: ConnectionRecord[]; total: number }> {
    let query = this.#db.selectFrom('connections');
    if (filter.exchange) query = query.where('exchange', '=', filter.exchange);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.enabled !== undefined) query = query.where('enabled', '=', filter.enabled ? 1 : 0);
    if (filter.mode) query = query.where('mode', '=', filter.mode);
    // market_types is a JSON array of fixed enum words, so a quoted-word match is exact.
    if (filter.marketType) query = query.where('market_types', 'like', `%"${filter.marketType}"%`);
    const countRow = await query.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirst();
    const rows = await query
      .selectAll()
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return { items: rows.map(fromRow), total: Number(countRow?.n ?? 0) };
  }

  async recordTest(
    id: string,
    test: { status: ConnectionStatus; lastTestAt: string; lastTestResult: ConnectionTestResult },
    testedVersion: string,
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('connections')
      .set((eb) => ({
        status: eb.case().when('enabled', '=', 1).then(test.status).else('disabled').end(),
        last_test_at: test.lastTestAt,
        last_test_result: JSON.stringify(test.lastTestResult),
      }))
      .where('id', '=', id)
      .where('updated_at', '=', testedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async updateStatusIfEnabled(id: string, status: ConnectionStatus): Promise<void> {
    await this.#db.updateTable('connections').set({ status }).where('id', '=', id).where('enabled', '=', 1).execute();
  }

  async countByStatus(): Promise<Partial<Record<ConnectionStatus, number>>> {
    const rows = await this.#db
      .selectFrom('connections')
      .select(['status', (eb) => eb.fn.countAll<string | number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async all(): Promise<ConnectionRecord[]> {
    const rows = await this.#db.selectFrom('connections').selectAll().orderBy('id').execute();
    return rows.map(fromRow);
  }
}

function toRow(r: ConnectionRecord): Row {
  return {
    id: r.id,
    name: r.name,
    exchange: r.exchange,
    market_types: JSON.stringify(r.marketTypes),
    mode: r.mode,
    enabled: r.enabled ? 1 : 0,
    status: r.status,
    api_key_sealed: r.sealed.apiKey,
    api_secret_sealed: r.sealed.apiSecret,
    passphrase_sealed: r.sealed.passphrase,
    api_key_mask: r.apiKeyPreview?.mask ?? null,
    api_key_fingerprint: r.apiKeyPreview?.fingerprint ?? null,
    key_version: r.keyVersion,
    last_test_at: r.lastTestAt,
    last_test_result: r.lastTestResult ? JSON.stringify(r.lastTestResult) : null,
    rate_limit_tier: r.rateLimitTier,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

function fromRow(row: Row): ConnectionRecord {
  return {
    id: row.id,
    name: row.name,
    exchange: row.exchange as ExchangeId,
    marketTypes: JSON.parse(row.market_types) as MarketType[],
    mode: row.mode as ConnectionMode,
    enabled: Number(row.enabled) === 1,
    status: row.status as ConnectionStatus,
    sealed: { apiKey: row.api_key_sealed, apiSecret: row.api_secret_sealed, passphrase: row.passphrase_sealed },
    apiKeyPreview:
      row.api_key_mask && row.api_key_fingerprint ? { mask: row.api_key_mask, fingerprint: row.api_key_fingerprint } : null,
    keyVersion: row.key_version === null ? null : Number(row.key_version),
    rateLimitTier: (row.rate_limit_tier as RateLimitTier | null) ?? null,
    lastTestAt: row.last_test_at,
    lastTestResult: row.last_test_result ? (JSON.parse(row.last_test_result) as ConnectionTestResult) : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Two requests racing for one name: the database's unique index is the final judge. */
function translateUniqueViolation(error: unknown, name: string): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505') {
    return new ConflictError(`A connection named "${name}" already exists`);
  }
  return error;
}
