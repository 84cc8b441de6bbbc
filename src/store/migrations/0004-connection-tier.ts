import type { Kysely, Migration } from 'kysely';

/** Kraken's limits depend on the account's verification tier, which only the user knows. */
export const connectionTierMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('connections').addColumn('rate_limit_tier', 'varchar(20)').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('connections').dropColumn('rate_limit_tier').execute();
  },
};
