import { sql } from 'kysely';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { ManualClock } from '../../src/domain/clock.js';
import { RetryLaterError, StorageUnavailableError } from '../../src/domain/errors.js';
import { Dec } from '../../src/domain/money.js';
import { Portfolio } from '../../src/engine/accounting/index.js';
import { ClientOrderIdGenerator } from '../../src/engine/client-order-id.js';
import { OrderManager } from '../../src/engine/runtime/order-manager.js';
import { loadCcxt } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange } from '../../src/exchanges/ccxt/ccxt-exchange.js';
import { openGate } from '../../src/ratelimit/request-gate.js';
import { openStore, type Store } from '../../src/store/database.js';
import { SqlOrderRepository } from '../../src/store/order.repository.js';
import { createTestSchema, POSTGRES_URL } from '../support/postgres.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { makeTempDir } from '../support/temp-system.js';

/**
 * Nothing is sent that cannot be stored first (issue 12, defect 12): with Postgres unreachable (a TCP
 * proxy in front of it, cut), the order manager's `pending_create` insert fails, so ccxt never sends
 * the create to the simulator; the failure is the transient `StorageUnavailableError`.
 */

let sim: RunningSimulator;
let proxy: TcpProxy;
let schema: { schema: string; drop(): Promise<void> };
let store: Store;
const availability: boolean[] = [];

beforeAll(async () => {
  sim = await startSimulator();
  schema = await createTestSchema();
  const target = new URL(POSTGRES_URL);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const url = new URL(POSTGRES_URL);
  url.port = String(proxy.port);
  store = await openStore({
    dataDir: makeTempDir(),
    databaseUrl: url.toString(),
    pgSchema: schema.schema,
    onAvailabilityChange: (state) => availability.push(state.available),
  });
});

afterAll(async () => {
  await store?.close();
  await proxy?.close();
  await schema?.drop();
  await sim?.close();
});

describe('storage outage under the order manager (Postgres via a cut TCP proxy, ccxt → simulated Binance)', () => {
  it('refuses the order before anything reaches the exchange, then places it once the database is back', async () => {
    const apiKey = `ctskeyoutage${ulid().slice(-8)}`;
    const secret = 'ctsoutagesecret0123456789abcdef';
    sim.control.addAccount('binance', { apiKey, secret, balances: { USDT: '100000', BTC: '2' } });
    const exchange = await createCcxtExchange({
      ccxt: await loadCcxt(),
      gate: openGate,
      connection: { id: 'c-outage', exchange: 'binance', mode: 'live', credentials: { apiKey, apiSecret: secret }, marketTypes: ['spot'], proxyUrl: sim.url, timeoutMs: 2_000 },
    });
    const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    const manager = new OrderManager({
      engineId: 'c-outage',
      connectionId: 'c-outage',
      symbol: 'BTC/USDT',
      exchange,
      store: new SqlOrderRepository(store.db),
      portfolio: new Portfolio(),
      ids: new ClientOrderIdGenerator({ exchange: 'binance', clock }),
      clock,
      emit: async () => undefined,
      settleMs: 10_000,
    });
    await manager.load();
    const price = new Dec((await exchange.fetchTicker('BTC/USDT')).last).mul('0.5').toFixed(2);
    const buy = { side: 'buy', type: 'limit', amount: '0.001', price, reduceOnly: false, tag: null, reason: 'outage test' } as const;
    const creates = (): number => sim.control.requests({ exchange: 'binance', method: 'POST', path: '/api/v3/order' }).length;

    await proxy.cut();
    const error = await manager.place(buy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error).toBeInstanceOf(RetryLaterError); // transient for the engine loop
    expect((error as Error).message).toMatch(/^The database at postgres:\/\/127\.0\.0\.1:\d+\/test .* is unreachable/);
    expect(creates()).toBe(0);
    expect(store.availability()).toMatchObject({ available: false, since: expect.any(String) as unknown });

    await proxy.restore();
    const placed = await manager.place(buy);
    expect(placed.status).toBe('open');
    expect(creates()).toBe(1);
    expect(store.availability()).toEqual({ available: true });
    expect(availability).toEqual([false, true]);
  }, 60_000);
});

describe('isStorageUnreachable', () => {
  it('tells transport failures from refused statements and from bugs', async () => {
    const { isStorageUnreachable } = await import('../../src/store/pg-availability.js');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect' });
    expect(isStorageUnreachable(refused)).toBe(true);
    expect(isStorageUnreachable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isStorageUnreachable(new TypeError('bad parameter'))).toBe(false);
    const syntax = await sql`selec 1`.execute(store.db).catch((e: unknown) => e);
    expect(syntax).not.toBeInstanceOf(StorageUnavailableError);
    expect((syntax as { code?: string }).code).toBe('42601');
  });
});
