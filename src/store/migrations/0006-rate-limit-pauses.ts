import type { Kysely, Migration } from 'kysely';

/**
 * Rate-limit pauses and bans in force (429/418 with Retry-After, a ban message), so a restarted
 * process keeps honouring them: an exchange lengthens repeated bans, and a crash loop that resends at
 * once would make a short ban long. One row per paused scope (`binance|ip|local`, …); `until_ms` is
 * integer milliseconds since the epoch, compared as a plain number on both backends.
 */
export const rateLimitPausesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('rate_limit_pauses')
      .addColumn('scope', 'varchar(200)', (c) => c.primaryKey())
      .addColumn('until_ms', 'bigint', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('recorded_at', 'varchar(30)', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('rate_limit_pauses').execute();
  },
};
