import type { Kysely, Migration } from 'kysely';

/**
 * A stop order's trigger on the order row: its kind (`stop-loss` / `take-profit`) and price (decimal
 * text), and the order's time in force (IOC, FOK, PO). All null for plain GTC orders, so every row
 * written before stays what it was.
 */
export const orderTriggerMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('orders').addColumn('trigger_kind', 'varchar(20)').execute();
    await db.schema.alterTable('orders').addColumn('trigger_price', 'text').execute();
    await db.schema.alterTable('orders').addColumn('time_in_force', 'varchar(8)').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('orders').dropColumn('time_in_force').execute();
    await db.schema.alterTable('orders').dropColumn('trigger_price').execute();
    await db.schema.alterTable('orders').dropColumn('trigger_kind').execute();
  },
};
