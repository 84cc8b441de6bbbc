import { loadConfig } from '../config/config.js';
import { backupCommand, resolveUserPath, restoreCommand } from './backup.js';
import { unlockSecrets } from '../security/key-manager.js';
import { rotateMasterKey } from '../security/key-rotation.js';
import { formatMasterKeyText, generateMasterKey, parseMasterKeyText } from '../security/master-key.js';
import { openStore } from '../store/database.js';
import { MetaRepository } from '../store/meta.repository.js';
import { lockHolder } from '../store/process-lock.js';

const USAGE = `Usage: cts <command>

Commands:
  rotate-key     Re-encrypt every stored secret under a new master key.
                 With a key file (default) a new data/master.key is written.
                 With CTS_MASTER_KEY set, also set CTS_NEW_MASTER_KEY (see generate-key);
                 afterwards start CTS with CTS_MASTER_KEY set to that new value.
  generate-key   Print a new random master key for CTS_MASTER_KEY / CTS_NEW_MASTER_KEY.
  backup <file>  Copy the SQLite database to <file> with SQLite's online backup (safe while CTS runs).
                 The master key is not in it: back up master.key / CTS_MASTER_KEY separately.
  restore <file> Replace the SQLite database with <file> (stop CTS first). Refuses, changing nothing,
                 unless the current master key decrypts every secret in the backup; the previous
                 database is kept as cts.sqlite.before-restore-<time>.
  With DATABASE_URL set, backup and restore print the pg_dump / pg_restore equivalent instead.
`;

async function rotateKey(): Promise<void> {
  const config = loadConfig();
  const holder = lockHolder(config.dataDir);
  if (holder !== undefined && !config.databaseUrl) {
    throw new Error(`CTS is running (pid ${holder}) on ${config.dataDir}: stop it before rotating the key`);
  }
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    const meta = new MetaRepository(store.db);
    const { box } = await unlockSecrets({ dataDir: config.dataDir, envKey: config.masterKeyFromEnv, meta });
    const newKeyText = process.env.CTS_NEW_MASTER_KEY;
    if (config.masterKeyFromEnv !== undefined && !newKeyText) {
      throw new Error('CTS_MASTER_KEY is set: also set CTS_NEW_MASTER_KEY (make one with "cts generate-key")');
    }
    const newKey = newKeyText ? parseMasterKeyText(newKeyText, 'CTS_NEW_MASTER_KEY') : undefined;
    const result = await rotateMasterKey({ db: store.db, current: box, dataDir: config.dataDir, ...(newKey ? { newKey } : {}) });
    process.stdout.write(
      `Rotated the master key from version ${result.fromVersion} to ${result.toVersion}; ` +
        `re-encrypted the secrets of ${result.connectionsReencrypted} connection(s).\n` +
        (newKey ? 'Start CTS with CTS_MASTER_KEY set to the value of CTS_NEW_MASTER_KEY.\n' : ''),
    );
  } finally {
    await store.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const command = argv[0];
  if (command === 'rotate-key') {
    await rotateKey();
    return 0;
  }
  if ((command === 'backup' || command === 'restore') && argv.length === 2 && argv[1]) {
    const file = resolveUserPath(argv[1]);
    const config = loadConfig();
    process.stdout.write(command === 'backup' ? await backupCommand(config, file) : await restoreCommand(config, file));
    return 0;
  }
  if (command === 'generate-key') {
    const current = process.env.CTS_MASTER_KEY ? parseMasterKeyText(process.env.CTS_MASTER_KEY, 'CTS_MASTER_KEY') : undefined;
    process.stdout.write(`${formatMasterKeyText(generateMasterKey((current?.version ?? 0) + 1))}\n`);
    return 0;
  }
  process.stderr.write(USAGE);
  return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
