import { type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { engineMigration } from './0002-engine.js';
import { backtestsMigration } from './0003-backtests.js';
import { connectionTierMigration } from './0004-connection-tier.js';
import { engineLeasesMigration } from './0005-engine-leases.js';
import { rateLimitPausesMigration } from './0006-rate-limit-pauses.js';
import { engineMarksMigration } from './0007-engine-marks.js';
import { engineIdentityMigration } from './0008-engine-identity.js';
import { enginePairListMigration } from './0009-engine-pair-list.js';
import { enginePnlTodayMigration } from './0010-engine-pnl-today.js';
import { orderTriggerMigration } from './0011-order-trigger.js';
import { orderExpiryMigration } from './0012-order-expiry.js';
import { fundingPaymentsMigration } from './0013-funding-payments.js';

/**
 * Migrations live in code (not a folder scanned at run time) so the built server and the tests run
 * exactly the same list, in order, on SQLite and Postgres. Never edit a released migration: add one.
 */
const migrations: Record<string, Migration> = {
  '0001_connections': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('connections')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(100)', (c) => c.notNull().unique())
        .addColumn('exchange', 'varchar(20)', (c) => c.notNull())
        .addColumn('market_types', 'text', (c) => c.notNull())
        .addColumn('mode', 'varchar(10)', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('status', 'varchar(10)', (c) => c.notNull())
        .addColumn('api_key_sealed', 'text')
        .addColumn('api_secret_sealed', 'text')
        .addColumn('passphrase_sealed', 'text')
        .addColumn('api_key_mask', 'varchar(40)')
        .addColumn('api_key_fingerprint', 'varchar(16)')
        .addColumn('key_version', 'integer')
        .addColumn('last_test_at', 'varchar(30)')
        .addColumn('last_test_result', 'text')
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(30)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('connections_exchange_idx').on('connections').column('exchange').execute();
      await db.schema
        .createTable('cts_meta')
        .addColumn('key', 'varchar(60)', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('cts_meta').execute();
      await db.schema.dropTable('connections').execute();
    },
  },
  '0002_engine': engineMigration,
  '0003_backtests': backtestsMigration,
  '0004_connection_tier': connectionTierMigration,
  '0005_engine_leases': engineLeasesMigration,
  '0006_rate_limit_pauses': rateLimitPausesMigration,
  '0007_engine_marks': engineMarksMigration,
  '0008_engine_identity': engineIdentityMigration,
  '0009_engine_pair_list': enginePairListMigration,
  '0010_engine_pnl_today': enginePnlTodayMigration,
  '0011_order_trigger': orderTriggerMigration,
  '0012_order_expiry': orderExpiryMigration,
  '0013_funding_payments': fundingPaymentsMigration,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

/** The migrations up to and including `last`: a database as an older build left it (migration tests). */
export function migrationProviderUntil(last: string): MigrationProvider {
  const upTo = Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= last));
  return { getMigrations: () => Promise.resolve(upTo) };
}

export const LATEST_MIGRATION = Object.keys(migrations).sort().at(-1) ?? '';

