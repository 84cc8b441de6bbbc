import type { Logger } from 'pino';
import type { MetaRepository } from '../store/meta.repository.js';
import type { ConnectionService } from './connection.service.js';

const DEMO_SEEDED = 'demo_connection_seeded';
export const DEMO_CONNECTION_NAME = 'Demo (replay)';

/**
 * A new installation opens with a replay-mode connection so a user can try everything without an
 * exchange account. Seeded once: deleting it is respected on later starts.
 */
export async function seedDemoConnection(meta: MetaRepository, connections: ConnectionService, logger: Logger): Promise<void> {
  if ((await meta.get(DEMO_SEEDED)) !== undefined) return;
  const existing = await connections.list({}, { limit: 1, offset: 0 });
  if (existing.total === 0) {
    const demo = await connections.create({
      name: DEMO_CONNECTION_NAME,
      exchange: 'binance',
      marketTypes: ['spot'],
      mode: 'replay',
      enabled: true,
    });
    logger.info({ connectionId: demo.id }, 'created the demo replay connection');
  }
  await meta.set(DEMO_SEEDED, new Date().toISOString());
}
