import type { Kysely, Migration } from 'kysely';

/**
 * Multi-process installations (docs/deployment.md): which process owns which engine, and which
 * processes are alive. Times that are compared (`expires_at`, `last_seen_ms`) are integer
 * milliseconds since the epoch so the compare-and-set is one plain comparison on both backends.
 * `token` grows by one each time the lease changes hands: the fencing token.
 */
export const engineLeasesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('engine_leases')
      .addColumn('connection_id', 'varchar(40)', (c) => c.primaryKey())
      .addColumn('owner_id', 'varchar(80)', (c) => c.notNull())
      .addColumn('token', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('acquired_at', 'varchar(30)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('cluster_members')
      .addColumn('instance_id', 'varchar(80)', (c) => c.primaryKey())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('host', 'varchar(255)', (c) => c.notNull())
      .addColumn('url', 'varchar(255)')
      .addColumn('started_at', 'varchar(30)', (c) => c.notNull())
      .addColumn('last_seen_ms', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('cluster_members').execute();
    await db.schema.dropTable('engine_leases').execute();
  },
};
