import type { Config } from '../config/config.js';

/** The configured values a strategy file's error text must never echo: key, token, URLs and their passwords. */
export function configSecrets(config: Pick<Config, 'masterKeyFromEnv' | 'adminToken' | 'databaseUrl' | 'redisUrl'>): string[] {
  const out: string[] = [];
  for (const value of [config.masterKeyFromEnv, config.adminToken]) if (value) out.push(value);
  for (const url of [config.databaseUrl, config.redisUrl]) {
    if (!url) continue;
    out.push(url);
    const password = passwordOf(url);
    if (password) out.push(password, encodeURIComponent(password));
  }
  return out;
}

function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password === '' ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}
