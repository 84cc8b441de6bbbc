import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/domain/errors.js';

describe('config', () => {
  it('defaults to loopback, port 3000 and ./data', () => {
    const c = loadConfig({}, '/srv/cts');
    expect(c).toMatchObject({ host: '127.0.0.1', port: 3000, dataDir: '/srv/cts/data', adminToken: undefined, databaseUrl: undefined });
  });

  it('refuses to bind beyond loopback without an admin token', () => {
    expect(() => loadConfig({ CTS_HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => loadConfig({ CTS_HOST: '0.0.0.0' })).toThrow(/CTS_ADMIN_TOKEN/);
    expect(loadConfig({ CTS_HOST: '0.0.0.0', CTS_ADMIN_TOKEN: 'a-long-enough-token' }).host).toBe('0.0.0.0');
  });

  it.each([
    [{ CTS_PORT: 'abc' }, 'CTS_PORT'],
    [{ CTS_PORT: '70000' }, 'CTS_PORT'],
    [{ CTS_ADMIN_TOKEN: 'short' }, 'CTS_ADMIN_TOKEN'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ CTS_LOG_LEVEL: 'loud' }, 'CTS_LOG_LEVEL'],
  ])('names the bad setting %j', (env, name) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(name));
  });
});
