import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectionService } from '../../src/connections/connection.service.js';
import { generateMasterKey } from '../../src/security/master-key.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { buildApp } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import { SqlConnectionRepository } from '../../src/store/connection.repository.js';
import { openStore } from '../../src/store/database.js';
import { makeTempDir } from '../support/temp-system.js';

describe('serving the web UI', () => {
  it('serves index.html at / and for client routes, files as they are, and never masks API 404s', async () => {
    const ui = makeTempDir();
    writeFileSync(path.join(ui, 'index.html'), '<!doctype html><title>CTS</title>');
    mkdirSync(path.join(ui, 'assets'));
    writeFileSync(path.join(ui, 'assets', 'app.js'), 'console.log(1)');
    const store = await openStore({ dataDir: makeTempDir() });
    const connections = new ConnectionService({ repository: new SqlConnectionRepository(store.db), secrets: new SecretBox(generateMasterKey(1)) });
    const app = await buildApp({ logger: createLogger('silent'), bodyLimitBytes: 65536, version: 't', uiDirectory: ui }, { connections });
    try {
      for (const url of ['/', '/settings/connections', '/live?x=1']) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(200);
        expect(res.body).toContain('<title>CTS</title>');
      }
      expect((await app.inject({ method: 'GET', url: '/assets/app.js' })).body).toBe('console.log(1)');
      expect((await app.inject({ method: 'GET', url: '/assets/missing.js' })).statusCode).toBe(404);
      const api = await app.inject({ method: 'GET', url: '/api/unknown' });
      expect(api.statusCode).toBe(404);
      expect(api.headers['content-type']).toContain('application/problem+json');
    } finally {
      await app.close();
      await store.close();
    }
  });
});
