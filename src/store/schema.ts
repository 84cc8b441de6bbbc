/**
 * Table shapes as Kysely sees them. The same columns on SQLite and Postgres: booleans are integers
 * 0/1, JSON is text, timestamps are ISO-8601 text, money is decimal text — so one repository code path
 * serves both backends.
 */
export interface ConnectionsTable {
  id: string;
  name: string;
  exchange: string;
  market_types: string;
  mode: string;
  enabled: number;
  status: string;
  api_key_sealed: string | null;
  api_secret_sealed: string | null;
  passphrase_sealed: string | null;
  api_key_mask: string | null;
  api_key_fingerprint: string | null;
  key_version: number | null;
  last_test_at: string | null;
  last_test_result: string | null;
  created_at: string;
  updated_at: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface Database {
  connections: ConnectionsTable;
  cts_meta: MetaTable;
}
