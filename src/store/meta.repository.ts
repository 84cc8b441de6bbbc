import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Small key/value facts about the installation (key check, demo seeded). */
export class MetaRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async get(key: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('cts_meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  /** Writes `value` whatever is stored: for deliberate replacements (a key rotation, a timestamp). */
  async set(key: string, value: string): Promise<void> {
    await this.#db
      .insertInto('cts_meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  /**
   * Writes `value` only when `key` holds nothing yet, in one statement, so of several processes racing
   * to record a fact exactly one succeeds. Answers whether this call wrote it; read the key again for
   * the value that won.
   */
  async insertIfAbsent(key: string, value: string): Promise<boolean> {
    const result = await this.#db
      .insertInto('cts_meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }
}
