import type { Kysely, Migration } from 'kysely';

/**
 * A bot may trade a pair list instead of one symbol: its config and `maxOpenTrades` as JSON text
 * (`{ "config": …, "maxOpenTrades": n }`). Null on every existing row: the one `symbol`, as before.
 */
export const enginePairListMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('engines').addColumn('pair_list', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('engines').dropColumn('pair_list').execute();
  },
};
