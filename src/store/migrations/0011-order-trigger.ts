import type { Kysely, Migration } from 'kysely';

/**
 * A stop order's trigger on the order row: its kind (`stop-loss` / `take-profit`) and price (decimal
 * text). Both null for plain orders, so every row written before stays a plain order.
 */
export const orderTriggerMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('orders').addColumn('trigger_kind', 'varchar(20)').execute();
    await db.schema.alterTable('orders').addColumn('trigger_price', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('orders').dropColumn('trigger_price').execute();
    await db.schema.alterTable('orders').dropColumn('trigger_kind').execute();
  },
};
