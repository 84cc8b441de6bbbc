import type { ConnectionFilter, ConnectionRecord, ConnectionRepository, Page } from '../domain/connection.js';
import type { ConnectionTestResult } from '../domain/connection-test.js';
import type { ConnectionStatus } from '../domain/exchange-ids.js';

/**
 * Keeps every connection in memory in front of the SQL repository: reads (the UI polls the list) never
 * touch the database, writes go to the database first and then to memory.
 *
 * Only for the embedded SQLite, where the data directory's process lock guarantees this process is the
 * only writer. With Postgres several processes write, so the plain repository is used.
 */
export class CachedConnectionRepository implements ConnectionRepository {
  readonly #inner: ConnectionRepository;
  #rows: Map<string, ConnectionRecord> | undefined;

  constructor(inner: ConnectionRepository) {
    this.#inner = inner;
  }

  async insert(record: ConnectionRecord): Promise<void> {
    await this.#inner.insert(record);
    (await this.#load()).set(record.id, frozen(record));
  }

  async update(record: ConnectionRecord): Promise<void> {
    await this.#inner.update(record);
    (await this.#load()).set(record.id, frozen(record));
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.#inner.delete(id);
    (await this.#load()).delete(id);
    return deleted;
  }

  async findById(id: string): Promise<ConnectionRecord | undefined> {
    return (await this.#load()).get(id);
  }

  async findByName(name: string): Promise<ConnectionRecord | undefined> {
    for (const record of (await this.#load()).values()) if (record.name === name) return record;
    return undefined;
  }

  async list(filter: ConnectionFilter, page: Page): Promise<{ items: ConnectionRecord[]; total: number }> {
    const matching = [...(await this.#load()).values()].filter((r) => matches(r, filter)).sort(byCreation);
    return { items: matching.slice(page.offset, page.offset + page.limit), total: matching.length };
  }

  async all(): Promise<ConnectionRecord[]> {
    return [...(await this.#load()).values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async countByStatus(): Promise<Partial<Record<ConnectionStatus, number>>> {
    const counts: Partial<Record<ConnectionStatus, number>> = {};
    for (const r of (await this.#load()).values()) counts[r.status] = (counts[r.status] ?? 0) + 1;
    return counts;
  }

  async recordTest(
    id: string,
    test: { status: ConnectionStatus; lastTestAt: string; lastTestResult: ConnectionTestResult },
    testedVersion: string,
  ): Promise<boolean> {
    const stored = await this.#inner.recordTest(id, test, testedVersion);
    if (stored) await this.#reload(id);
    return stored;
  }

  async updateStatusIfEnabled(id: string, status: ConnectionStatus): Promise<void> {
    await this.#inner.updateStatusIfEnabled(id, status);
    await this.#reload(id);
  }

  async #load(): Promise<Map<string, ConnectionRecord>> {
    this.#rows ??= new Map((await this.#inner.all()).map((r) => [r.id, frozen(r)]));
    return this.#rows;
  }

  /** After a conditional write the database decides what changed: read the row back. */
  async #reload(id: string): Promise<void> {
    const rows = await this.#load();
    const fresh = await this.#inner.findById(id);
    if (fresh) rows.set(id, frozen(fresh));
    else rows.delete(id);
  }
}

/** Shared between callers, so nobody may change it in place (the service always builds a new record). */
function frozen(record: ConnectionRecord): ConnectionRecord {
  Object.freeze(record.marketTypes);
  Object.freeze(record.sealed);
  return Object.freeze({ ...record });
}

function matches(r: ConnectionRecord, f: ConnectionFilter): boolean {
  return (
    (f.exchange === undefined || r.exchange === f.exchange) &&
    (f.status === undefined || r.status === f.status) &&
    (f.enabled === undefined || r.enabled === f.enabled) &&
    (f.mode === undefined || r.mode === f.mode) &&
    (f.marketType === undefined || r.marketTypes.includes(f.marketType))
  );
}

/** The SQL repository's order: created_at, then id. */
function byCreation(a: ConnectionRecord, b: ConnectionRecord): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
