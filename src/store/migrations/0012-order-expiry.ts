import type { Kysely, Migration } from 'kysely';

/** When an unfilled entry or exit limit is cancelled or re-priced (the bot's `unfilledTimeout`); null for every earlier row. */
export const orderExpiryMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('orders').addColumn('expires_at', 'varchar(30)').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('orders').dropColumn('expires_at').execute();
  },
};
