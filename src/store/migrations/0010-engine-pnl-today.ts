import type { Kysely, Migration } from 'kysely';

/**
 * Each bot's net PnL today (`{ "day": "YYYY-MM-DD", "pnl": "<decimal>" }`, JSON text), written as it
 * trades: the account-level daily loss limit counts bots of the connection that run in another
 * process, or ran before a restart, from here. Null on existing rows: nothing reported yet.
 */
export const enginePnlTodayMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('engines').addColumn('pnl_today', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('engines').dropColumn('pnl_today').execute();
  },
};
