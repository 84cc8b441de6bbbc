import type { Kysely, Migration } from 'kysely';

/**
 * Funding payments of perpetual positions, booked per bot as their own ledger entries (apart from
 * fills): unique per (connection, payment id), as an exchange lists each settlement once per account.
 * Amounts are exact decimal text, signed for the account (positive received).
 */
export const fundingPaymentsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('funding_payments')
      .addColumn('connection_id', 'varchar(40)', (c) => c.notNull())
      .addColumn('payment_id', 'varchar(100)', (c) => c.notNull())
      .addColumn('engine_id', 'varchar(40)', (c) => c.notNull())
      .addColumn('symbol', 'varchar(60)', (c) => c.notNull())
      .addColumn('amount', 'text', (c) => c.notNull())
      .addColumn('rate', 'text')
      .addColumn('time', 'varchar(30)', (c) => c.notNull())
      .addPrimaryKeyConstraint('funding_payments_pk', ['connection_id', 'payment_id'])
      .execute();
    await db.schema.createIndex('funding_payments_engine_time_idx').on('funding_payments').columns(['engine_id', 'time']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('funding_payments').execute();
  },
};
