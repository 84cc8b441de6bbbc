import { describe, expect, it } from 'vitest';
import { resolveStrategiesDir, loadConfig } from '../../src/config/config.js';
import { configSecrets } from '../../src/strategies-loader/config-secrets.js';
import { redactSecrets } from '../../src/strategies-loader/load-problem.js';

describe('strategy folder configuration and secret redaction', () => {
  it('defaults the strategies folder to <data dir>/strategies; CTS_STRATEGIES_DIR overrides it, relative to cwd', () => {
    expect(loadConfig({ CTS_DATA_DIR: 'state' }, '/srv/cts').strategiesDir).toBe('/srv/cts/state/strategies');
    expect(loadConfig({ CTS_STRATEGIES_DIR: 'mine' }, '/srv/cts').strategiesDir).toBe('/srv/cts/mine');
    expect(loadConfig({}, '/srv/cts').strategiesDir).toBe('/srv/cts/data/strategies');
    expect(resolveStrategiesDir({}, '/srv/cts')).toBe('/srv/cts/data/strategies');
    expect(resolveStrategiesDir({ CTS_DATA_DIR: '/var/cts' }, '/srv/cts')).toBe('/var/cts/strategies');
    expect(resolveStrategiesDir({ CTS_STRATEGIES_DIR: '/opt/strats', CTS_DATA_DIR: '/var/cts' }, '/srv/cts')).toBe('/opt/strats');
  });

  it('redacts the master key, the admin token, the database and Redis URLs and their passwords', () => {
    const secrets = configSecrets({
      masterKeyFromEnv: 'master-key-0123456789',
      adminToken: 'admin-token-0123456789',
      databaseUrl: 'postgres://cts:p%40ss-word@db:5432/cts',
      redisUrl: 'redis://:redis-pass@cache:6379',
    });
    const text = 'key master-key-0123456789 token admin-token-0123456789 pw p@ss-word url postgres://cts:p%40ss-word@db:5432/cts r redis-pass';
    const out = redactSecrets(text, secrets);
    for (const s of ['master-key', 'admin-token', 'p@ss-word', 'p%40ss-word', 'redis-pass']) expect(out).not.toContain(s);
    expect(out).toContain('[redacted]');
  });
});
