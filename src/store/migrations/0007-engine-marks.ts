import type { Kysely, Migration } from 'kysely';

/**
 * The last known mark price per symbol of an engine, with its time (JSON text, decimal strings): a
 * stopped engine's open positions keep their unrealized PnL, across restarts, instead of showing 0.
 */
export const engineMarksMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('engines').addColumn('marks', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('engines').dropColumn('marks').execute();
  },
};
