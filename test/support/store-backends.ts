import { afterAll, beforeAll } from 'vitest';
import { openStore, type Store } from '../../src/store/database.js';
import { createTestSchema, POSTGRES_URL } from './postgres.js';
import { makeTempDir } from './temp-system.js';

export const STORE_BACKENDS = ['sqlite', 'postgres'] as const;
export type StoreBackend = (typeof STORE_BACKENDS)[number];

/**
 * Opens a store with the real migrations for the enclosing `describe`: a temp SQLite file, or a
 * throwaway schema on the machine's real Postgres (dropped afterwards). Returns a getter, valid from
 * `beforeAll` on.
 */
export function useTestStore(backend: StoreBackend): () => Store {
  let store: Store | undefined;
  let dropSchema: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (backend === 'postgres') {
      const { schema, drop } = await createTestSchema();
      dropSchema = drop;
      store = await openStore({ dataDir: makeTempDir(), databaseUrl: POSTGRES_URL, pgSchema: schema });
    } else {
      store = await openStore({ dataDir: makeTempDir() });
    }
  });
  afterAll(async () => {
    await store?.close();
    await dropSchema?.();
  });
  return () => {
    if (!store) throw new Error('the test store is opened in beforeAll');
    return store;
  };
}
