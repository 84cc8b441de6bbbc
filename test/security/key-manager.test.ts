import { chmodSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/domain/errors.js';
import { formatMasterKeyText, generateMasterKey, MASTER_KEY_FILE, NEXT_MASTER_KEY_FILE, writeKeyFile } from '../../src/security/master-key.js';
import { KEY_CHECK_META, keyCheckValue, unlockSecrets } from '../../src/security/key-manager.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { openStore, type Store } from '../../src/store/database.js';
import { MetaRepository } from '../../src/store/meta.repository.js';
import { makeTempDir } from '../support/temp-system.js';

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function setup(): Promise<{ dir: string; meta: MetaRepository }> {
  const dir = makeTempDir();
  const store = await openStore({ dataDir: dir });
  stores.push(store);
  return { dir, meta: new MetaRepository(store.db) };
}

describe('master key', () => {
  it('creates a 0600 key file on first start and verifies it on the next', async () => {
    const { dir, meta } = await setup();
    const first = await unlockSecrets({ dataDir: dir, envKey: undefined, meta });
    expect(first.event).toBe('created');
    expect(statSync(path.join(dir, MASTER_KEY_FILE)).mode & 0o777).toBe(0o600);
    const sealed = first.box.seal('s', 'ctx');
    const second = await unlockSecrets({ dataDir: dir, envKey: undefined, meta });
    expect(second.event).toBe('verified');
    expect(second.box.open(sealed, 'ctx')).toBe('s');
  });

  it('refuses to start when the key file is missing for an existing database', async () => {
    const { dir, meta } = await setup();
    await unlockSecrets({ dataDir: dir, envKey: undefined, meta });
    rmSync(path.join(dir, MASTER_KEY_FILE));
    await expect(unlockSecrets({ dataDir: dir, envKey: undefined, meta })).rejects.toThrow(/no master key was found/);
    expect(existsSync(path.join(dir, MASTER_KEY_FILE))).toBe(false);
  });

  it('refuses a wrong key (file or CTS_MASTER_KEY) and never falls back', async () => {
    const { dir, meta } = await setup();
    await unlockSecrets({ dataDir: dir, envKey: undefined, meta });
    const wrong = formatMasterKeyText(generateMasterKey(1));
    await expect(unlockSecrets({ dataDir: dir, envKey: wrong, meta })).rejects.toThrow(ConfigError);
    rmSync(path.join(dir, MASTER_KEY_FILE));
    writeKeyFile(path.join(dir, MASTER_KEY_FILE), generateMasterKey(1));
    await expect(unlockSecrets({ dataDir: dir, envKey: undefined, meta })).rejects.toThrow(/does not match this database/);
  });

  it('uses CTS_MASTER_KEY without writing a key file', async () => {
    const { dir, meta } = await setup();
    const key = formatMasterKeyText(generateMasterKey(3));
    const unlocked = await unlockSecrets({ dataDir: dir, envKey: key, meta });
    expect(unlocked.box.keyVersion).toBe(3);
    expect(existsSync(path.join(dir, MASTER_KEY_FILE))).toBe(false);
    expect((await unlockSecrets({ dataDir: dir, envKey: key, meta })).event).toBe('verified');
  });

  it('rejects a malformed CTS_MASTER_KEY and a world-readable key file', async () => {
    const { dir, meta } = await setup();
    await expect(unlockSecrets({ dataDir: dir, envKey: 'short', meta })).rejects.toThrow(/not a valid master key/);
    await unlockSecrets({ dataDir: dir, envKey: undefined, meta });
    chmodSync(path.join(dir, MASTER_KEY_FILE), 0o644);
    await expect(unlockSecrets({ dataDir: dir, envKey: undefined, meta })).rejects.toThrow(/chmod 600/);
    chmodSync(path.join(dir, MASTER_KEY_FILE), 0o600);
    writeFileSync(path.join(dir, MASTER_KEY_FILE), 'garbage', { mode: 0o600 });
    await expect(unlockSecrets({ dataDir: dir, envKey: undefined, meta })).rejects.toThrow(/not a CTS master key file/);
  });

  it('completes a rotation interrupted after its database commit', async () => {
    const { dir, meta } = await setup();
    await unlockSecrets({ dataDir: dir, envKey: undefined, meta });
    // Simulate: the new key was written and the database switched to it, but the files were not swapped.
    const next = generateMasterKey(2);
    writeKeyFile(path.join(dir, NEXT_MASTER_KEY_FILE), next);
    await meta.set(KEY_CHECK_META, keyCheckValue(new SecretBox(next)));
    const unlocked = await unlockSecrets({ dataDir: dir, envKey: undefined, meta });
    expect(unlocked.event).toBe('completed-rotation');
    expect(unlocked.box.keyVersion).toBe(2);
    expect(existsSync(path.join(dir, NEXT_MASTER_KEY_FILE))).toBe(false);
  });
});
