import { afterEach, describe, expect, it } from 'vitest';
import { secretContext } from '../../src/domain/connection.js';
import { ConfigError } from '../../src/domain/errors.js';
import { KEY_CHECK_META, keyCheckValue } from '../../src/security/key-manager.js';
import { assertKeyOpensDatabase } from '../../src/security/key-verification.js';
import { generateMasterKey } from '../../src/security/master-key.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { openStore, type Store } from '../../src/store/database.js';
import { MetaRepository } from '../../src/store/meta.repository.js';
import { makeTempDir } from '../support/temp-system.js';

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

const KEY = generateMasterKey(1);
const OTHER = generateMasterKey(1);

/** A store whose key check is written with KEY and one connection whose api secret is sealed by `secretKey`. */
async function storeWith(secretKey: typeof KEY): Promise<Store> {
  const store = await openStore({ dataDir: makeTempDir() });
  stores.push(store);
  await new MetaRepository(store.db).set(KEY_CHECK_META, keyCheckValue(new SecretBox(KEY)));
  const id = 'conn_1';
  const seal = (value: string, field: 'apiKey' | 'apiSecret', key = KEY): string => new SecretBox(key).seal(value, secretContext(id, field));
  await store.db
    .insertInto('connections')
    .values({
      id,
      name: 'Binance main',
      exchange: 'binance',
      market_types: '["spot"]',
      mode: 'live',
      enabled: 1,
      status: 'untested',
      api_key_sealed: seal('key', 'apiKey'),
      api_secret_sealed: seal('secret', 'apiSecret', secretKey),
      passphrase_sealed: null,
      api_key_mask: null,
      api_key_fingerprint: null,
      key_version: 1,
      last_test_at: null,
      last_test_result: null,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
    })
    .execute();
  return store;
}

describe('assertKeyOpensDatabase (restore key check)', () => {
  it('passes when the key opens the key check and every stored secret', async () => {
    expect(await assertKeyOpensDatabase((await storeWith(KEY)).db, KEY)).toEqual({ secretsChecked: 2 });
  });

  it('refuses a key that fails the key check', async () => {
    await expect(assertKeyOpensDatabase((await storeWith(KEY)).db, OTHER)).rejects.toThrow(/does not pass this database's key check/);
  });

  it('refuses when the key check passes but one secret was sealed under another key', async () => {
    const promise = assertKeyOpensDatabase((await storeWith(OTHER)).db, KEY);
    await expect(promise).rejects.toBeInstanceOf(ConfigError);
    await expect(promise).rejects.toThrow(/cannot decrypt the apiSecret of connection conn_1/);
  });
});
