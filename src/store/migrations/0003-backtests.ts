import type { Kysely, Migration } from 'kysely';

/** Past backtests and sweeps: the request, headline figures for lists, and the full report as JSON text. */
export const backtestsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('backtests')
      .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
      .addColumn('kind', 'varchar(10)', (c) => c.notNull())
      .addColumn('status', 'varchar(10)', (c) => c.notNull())
      .addColumn('strategy', 'varchar(60)', (c) => c.notNull())
      .addColumn('symbol', 'varchar(60)')
      .addColumn('timeframe', 'varchar(10)')
      .addColumn('request', 'text', (c) => c.notNull())
      .addColumn('summary', 'text')
      .addColumn('result', 'text')
      .addColumn('error', 'text')
      .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
      .addColumn('started_at', 'varchar(30)')
      .addColumn('finished_at', 'varchar(30)')
      .execute();
    await db.schema.createIndex('backtests_created_idx').on('backtests').columns(['created_at', 'id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('backtests').execute();
  },
};
