import type { Kysely } from 'kysely';
import { secretContext } from '../domain/connection.js';
import { ConfigError, SecretDecryptionError } from '../domain/errors.js';
import { SqlConnectionRepository } from '../store/connection.repository.js';
import { MetaRepository } from '../store/meta.repository.js';
import type { Database } from '../store/schema.js';
import { KEY_CHECK_META, passesCheck } from './key-manager.js';
import { SecretBox, type MasterKey } from './secret-box.js';

const FIELDS = ['apiKey', 'apiSecret', 'passphrase'] as const;

/**
 * Proves `key` can read a database before it is put in service (a restore): it must pass the key
 * check the server runs at start AND open every sealed secret, so the server neither refuses to start
 * nor starts with connections whose secrets cannot be decrypted. Throws a ConfigError naming the
 * first thing the key cannot open; the message never contains a secret.
 */
export async function assertKeyOpensDatabase(db: Kysely<Database>, key: MasterKey): Promise<{ secretsChecked: number }> {
  const check = await new MetaRepository(db).get(KEY_CHECK_META);
  if (check !== undefined && !passesCheck(key, check)) {
    throw new ConfigError(`the master key (version ${key.version}) does not pass this database's key check`);
  }
  const box = new SecretBox(key);
  let secretsChecked = 0;
  for (const record of await new SqlConnectionRepository(db).all()) {
    for (const field of FIELDS) {
      const sealed = record.sealed[field];
      if (sealed === null) continue;
      try {
        box.open(sealed, secretContext(record.id, field));
      } catch (error) {
        if (!(error instanceof SecretDecryptionError)) throw error;
        throw new ConfigError(`the master key (version ${key.version}) cannot decrypt the ${field} of connection ${record.id}: ${error.message}`);
      }
      secretsChecked += 1;
    }
  }
  return { secretsChecked };
}
