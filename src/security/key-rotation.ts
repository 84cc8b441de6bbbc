import path from 'node:path';
import type { Kysely } from 'kysely';
import { type ConnectionRecord, secretContext } from '../domain/connection.js';
import { ConfigError } from '../domain/errors.js';
import { SqlConnectionRepository } from '../store/connection.repository.js';
import { MetaRepository } from '../store/meta.repository.js';
import type { Database } from '../store/schema.js';
import { KEY_CHECK_META, keyCheckValue } from './key-manager.js';
import { generateMasterKey, NEXT_MASTER_KEY_FILE, promotePendingKey, writeKeyFile } from './master-key.js';
import { SecretBox, type MasterKey } from './secret-box.js';

export interface RotationResult {
  fromVersion: number;
  toVersion: number;
  connectionsReencrypted: number;
}

/**
 * Re-encrypts every stored secret under a new master key in one transaction. With a key file the new
 * key is written to `master.key.next` first and promoted after the commit; a crash in between is
 * completed at the next start (key-manager tries the pending key). With CTS_MASTER_KEY the caller
 * supplies the new key, so it is known before anything is changed.
 */
export async function rotateMasterKey(params: {
  db: Kysely<Database>;
  current: SecretBox;
  dataDir: string;
  newKey?: MasterKey;
}): Promise<RotationResult> {
  const { db, current, dataDir } = params;
  const fromVersion = current.keyVersion;
  const newKey = params.newKey ?? generateMasterKey(fromVersion + 1);
  if (newKey.version <= fromVersion) {
    throw new ConfigError(`The new master key must have a version above ${fromVersion}, got ${newKey.version}`);
  }
  const next = new SecretBox(newKey);
  if (!params.newKey) writeKeyFile(path.join(dataDir, NEXT_MASTER_KEY_FILE), newKey);

  const count = await db.transaction().execute(async (trx) => {
    const repo = new SqlConnectionRepository(trx);
    const records = await repo.all();
    for (const record of records) await repo.update(reseal(record, current, next));
    await new MetaRepository(trx).set(KEY_CHECK_META, keyCheckValue(next));
    return records.length;
  });

  if (!params.newKey) promotePendingKey(dataDir);
  return { fromVersion, toVersion: newKey.version, connectionsReencrypted: count };
}

function reseal(record: ConnectionRecord, from: SecretBox, to: SecretBox): ConnectionRecord {
  const move = (field: 'apiKey' | 'apiSecret' | 'passphrase'): string | null => {
    const sealed = record.sealed[field];
    if (sealed === null) return null;
    const context = secretContext(record.id, field);
    return to.seal(from.open(sealed, context), context);
  };
  const sealed = { apiKey: move('apiKey'), apiSecret: move('apiSecret'), passphrase: move('passphrase') };
  const hasSecret = sealed.apiKey !== null || sealed.apiSecret !== null || sealed.passphrase !== null;
  return { ...record, sealed, keyVersion: hasSecret ? to.keyVersion : null };
}
