import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RandomWalkPath } from '../../simulator/matching/price-path.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { Dec, ZERO } from '../../src/domain/money.js';
import { getProfile } from '../../src/exchanges/profiles/index.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { makeTempDir } from '../support/temp-system.js';
import { api, createRequests, readStore, until, useOrderBudget, type StoredFill, type StoredOrder } from './crash/harness.js';
import { ScriptedPath, type CandleShape } from './crash/scripted-path.js';

/**
 * Crash safety (issue 5): the real server as a child process trades on a live Binance connection (the
 * loopback simulator behind CTS_EXCHANGE_PROXY_URL) and is killed with SIGKILL at four points around
 * order placement, then restarted on the same data directory; the engine resumes by itself (resume
 * flag) and reconciles. Every point is reached from the outside, without test hooks in the server, and
 * checked in the dead server's SQLite file (read-only) before the restart:
 *
 *  (c) mid partial fill: a resting buy 2.5× the market's liquidity per step fills over three price
 *      steps; the server is killed after it stored the first partial fill; the second one happens
 *      while it is down.
 *  (b) after send, before the answer is stored: the simulator holds the create 2 s (latency fault);
 *      the test sees it arrive in the request log and kills the server, which dies holding a
 *      `pending_create` row; the simulator then places the order, and it partly fills while the
 *      server is still down.
 *  (a) before send: the order is stored `pending_create` and its create never leaves the process. The
 *      server's rate limiter does the holding: another client of the same account uses up its Binance
 *      order budget (50 per 10 s) while one of our creates is held by the simulator, so that create's
 *      answer reports X-MBX-ORDER-COUNT-10S: 50 and the limiter holds the next create ~10 s — after
 *      the order manager stored it. The test sees the row, checks no request reached the simulator,
 *      and kills the server.
 *  (d) after a market order's answer is stored, before its fills are: the order is `closed` in the
 *      create's own answer and its trades are fetched on the next tick; the server dies before it.
 *      (This one found a bug: with no order live, the start's reconciliation did not fetch trades.)
 *
 * Then: every order on the simulator maps to exactly one stored order (and back, except the one that
 * never reached it, which must end `rejected` after the settle time and never be sent), one create
 * request per client id, stored fills = the simulator's trades by trade id, position = Σ signed fills.
 *
 * Grid strategy, one cell: buy 25 000 XRP at 0.5 (the simulator fills 10 000 per step), sell it at 0.6
 * (reached by a `spike` candle), buy again. `maxOpenOrders: 1`. Timeframe 1s makes the live feed poll
 * every second.
 */

/*
 * A restarted grid takes over its predecessor's order (same parameters, same grid identity in the tag)
 * with every fill it had, also those made while no process ran, and sells what it bought: buy 1,
 * interrupted by a crash mid-fill, is sold by the next instance (sell 2).
 */

const MASTER_KEY = Buffer.alloc(32, 5).toString('base64');
const API_KEY = `ctscrash${Date.now().toString(36)}`;
const SECRET = 'ctscrashsecret0123456789abcdef';
const CLIENT_ID_FIELD = getProfile('binance').clientOrderId.field;
const SIZE = '25000';
const DCA_KEY = `${API_KEY}dca`;
const ENGINE = '/api/trade-engine';

interface EngineStatusBody {
  state: string;
  lastError: string | null;
  candlesProcessed: number;
  positions: { symbol: string; quantity: string }[];
}
interface ApiOrder extends StoredOrder {
  symbol: string;
}

const path = new ScriptedPath(Date.now() - 7 * 86_400_000);
let sim: RunningSimulator;
let dataDir: string;
let server: ServerProcess | undefined;
let connectionId = '';

beforeAll(async () => {
  sim = await startSimulator({
    priceSource: (market, seed) =>
      market.symbol === 'XRP/USDT' ? path : new RandomWalkPath({ seed, start: market.symbol.startsWith('BTC') ? '60000' : '3000', tickSize: market.tickSize }),
  });
  // Some XRP beforehand: the grid sells the bought amount although the exchange took the buy fee in XRP.
  sim.control.addAccount('binance', { apiKey: API_KEY, secret: SECRET, balances: { USDT: '1000000', XRP: '1000' } });
  sim.control.addAccount('binance', { apiKey: DCA_KEY, secret: SECRET, balances: { USDT: '1000' } });
  dataDir = makeTempDir('cts-crash-');
});

afterAll(async () => {
  await server?.stop('SIGKILL');
  await sim?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function boot(): Promise<ServerProcess> {
  server = await startServerProcess({
    CTS_DATA_DIR: dataDir,
    CTS_MASTER_KEY: MASTER_KEY,
    CTS_EXCHANGE_PROXY_URL: sim.url,
    CTS_DEMO_CONNECTION: 'false',
    CTS_HEALTH_INTERVAL_MS: '3600000',
  });
  return server;
}

/** kill -9, and wait until the process is gone. */
async function crash(): Promise<void> {
  const s = server;
  server = undefined;
  if (s) await s.stop('SIGKILL');
}

function base(): string {
  if (!server) throw new Error('no server running');
  return server.url;
}

async function status(): Promise<EngineStatusBody> {
  return (await api<EngineStatusBody>(base(), 'GET', `${ENGINE}/status/${connectionId}`)).body;
}

async function orders(id = connectionId): Promise<ApiOrder[]> {
  return (await api<{ items: ApiOrder[] }>(base(), 'GET', `${ENGINE}/orders/${id}`)).body.items;
}

async function fills(id = connectionId): Promise<StoredFill[]> {
  return (await api<{ items: StoredFill[] }>(base(), 'GET', `${ENGINE}/trades/${id}`)).body.items;
}

async function position(id: string): Promise<string | undefined> {
  const answer = await api<{ positions: { symbol: string; quantity: string }[] }>(base(), 'GET', `${ENGINE}/positions/${id}`);
  return answer.body.positions.find((p) => p.symbol === 'XRP/USDT')?.quantity;
}

/** A live Binance connection for `apiKey`, created and tested through the API. */
async function connect(name: string, apiKey: string): Promise<string> {
  const created = await api<{ id: string }>(base(), 'POST', '/api/settings/connections', { name, exchange: 'binance', marketTypes: ['spot'], mode: 'live', apiKey, apiSecret: SECRET });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const tested = await api<{ outcome: string }>(base(), 'POST', `/api/settings/connections/${created.body.id}/test`);
  expect(tested.body.outcome, JSON.stringify(tested.body)).toBe('ok');
  return created.body.id;
}

/** The simulator moves one candle (resting orders it reaches fill now). */
function move(shape: CandleShape): void {
  path.next(shape);
  sim.control.step();
}

/** One candle, then wait until the running engine has processed it. */
async function step(shape: CandleShape): Promise<void> {
  const before = (await status()).candlesProcessed;
  move(shape);
  await until(`the engine to process a ${shape} candle`, async () => ((await status()).candlesProcessed > before ? true : undefined));
}

function simOrders(apiKey = API_KEY) {
  return sim.control.venue('binance').orders(apiKey, { symbol: 'XRP/USDT' });
}

function simFills(apiKey = API_KEY) {
  return sim.control.venue('binance').fills(apiKey, { symbol: 'XRP/USDT' });
}

function signedSum(list: readonly { side: string; amount: string }[]): string {
  return list.reduce((q, f) => q.add(f.side === 'buy' ? new Dec(f.amount) : new Dec(f.amount).neg()), ZERO).toFixed();
}

/** What the account holds after the fills: Binance takes a buy's fee in XRP, which never reaches it. */
function heldSum(list: readonly { side: string; amount: string; fee?: string; feeAsset?: string | null }[]): string {
  // The trades route answers the stored fill records, fee and fee asset included.
  const baseFee = (f: { fee?: string; feeAsset?: string | null }) => (f.feeAsset === 'XRP' && f.fee !== undefined ? new Dec(f.fee) : ZERO);
  return list.reduce((q, f) => q.add(f.side === 'buy' ? new Dec(f.amount).sub(baseFee(f)) : new Dec(f.amount).add(baseFee(f)).neg()), ZERO).toFixed();
}

function createsFor(clientOrderId: string) {
  return createRequests(sim, API_KEY, CLIENT_ID_FIELD).filter((r) => r.clientOrderId === clientOrderId);
}

/** The create request that is arriving at the simulator now, for an order not yet known to the test. */
async function heldCreate(known: readonly string[]): Promise<string> {
  const request = await until('the engine to send a new create request', () =>
    createRequests(sim, API_KEY, CLIENT_ID_FIELD).find((r) => !known.includes(r.clientOrderId)),
  );
  return request.clientOrderId;
}

const SIM_STATUS: Readonly<Record<string, string>> = { new: 'open', partially_filled: 'open', filled: 'closed', canceled: 'canceled', expired: 'expired' };

describe('crash safety: kill -9 around order placement, restart, reconcile', () => {
  const ids: string[] = [];

  it('sets up a tested live Binance connection and a grid engine that places a resting buy', async () => {
    await boot();
    connectionId = await connect('Binance (simulated)', API_KEY);
    const strategies = await api<{ items: { id: string }[] }>(base(), 'GET', `${ENGINE}/strategies`);
    expect(strategies.body.items.map((s) => s.id)).toContain('grid');

    const started = await api<EngineStatusBody>(base(), 'POST', `${ENGINE}/start`, {
      connectionId,
      strategy: 'grid',
      params: { lower: '0.5', upper: '0.6', levels: 2, sizePerLevel: SIZE },
      symbol: 'XRP/USDT',
      timeframe: '1s',
      risk: { maxOpenOrders: 1 },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body.state).toBe('running');

    await step('calm');
    const [first] = await until('the first order to rest on the exchange', async () => {
      const list = await orders();
      return list.length === 1 && list[0]?.status === 'open' ? list : undefined;
    });
    expect(first).toMatchObject({ side: 'buy', amount: SIZE, filled: '0' });
    ids.push(first?.clientOrderId ?? '');
    expect(simOrders().map((o) => o.clientOrderId)).toEqual(ids);
  }, 20_000);

  it('(c) mid partial fill: killed after the first partial fill, the second happens while down', async () => {
    const [buy1] = ids as [string];
    await step('dip');
    await until('the first partial fill to be stored', async () => ((await fills()).length === 1 ? true : undefined));
    await crash();
    const atCrash = readStore(dataDir, connectionId);
    expect(atCrash.orders.map((o) => [o.clientOrderId, o.status, o.filled])).toEqual([[buy1, 'open', '10000']]);
    expect(atCrash.fillIds).toHaveLength(1);

    move('dip'); // the exchange fills another 10 000 while nobody watches
    expect(simOrders()[0]).toMatchObject({ clientOrderId: buy1, status: 'partially_filled', executedQty: '20000' });

    await boot(); // resumes the engine (resume flag) after reconciling, before it listens
    expect((await status()).state).toBe('running');
    const resumed = await orders();
    expect(resumed.map((o) => [o.clientOrderId, o.status, o.filled, o.adopted])).toEqual([[buy1, 'open', '20000', false]]);
    expect((await fills()).map((f) => f.tradeId).sort()).toEqual(simFills().map((f) => String(f.tradeId)).sort());
  }, 20_000);

  it('(b) after send, before the answer is stored: the exchange places the order after the server died', async () => {
    const [buy1] = ids as [string];
    sim.control.injectFault({ exchange: 'binance', method: 'POST', path: '/api/v3/order', times: 1, fault: { kind: 'latency', ms: 2_000 } });
    move('dip'); // buy 1 completes; the same tick places the grid's sell one level up (sell 2), held 2 s by the exchange
    const sell2 = await heldCreate(ids);
    ids.push(sell2);
    expect(createsFor(sell2)[0]?.outcome).toBe('pending'); // still held: no answer has left the exchange
    await crash();
    const atCrash = readStore(dataDir, connectionId);
    expect(atCrash.orders.find((o) => o.clientOrderId === sell2)).toMatchObject({ status: 'pending_create', exchangeOrderId: null });

    await until('the exchange to place the held order', () => (createsFor(sell2)[0]?.outcome === 'answered' ? true : undefined), 5_000);
    expect(simOrders().find((o) => o.clientOrderId === sell2)).toMatchObject({ status: 'new' });
    move('spike'); // and fill most of it while the server is still down
    move('spike');
    sim.control.clearFaults();

    await boot();
    expect((await status()).state).toBe('running');
    const resumed = await orders();
    const remote2 = simOrders().find((o) => o.clientOrderId === sell2);
    expect(resumed.map((o) => [o.clientOrderId, o.status, o.filled, o.adopted])).toEqual([
      [buy1, 'closed', SIZE, false],
      [sell2, 'open', '20000', false],
    ]);
    expect(resumed[1]?.exchangeOrderId).toBe(String(remote2?.orderId));
    expect((await fills()).map((f) => f.tradeId).sort()).toEqual(simFills().map((f) => String(f.tradeId)).sort());
    expect(createsFor(sell2)).toHaveLength(1);
  }, 20_000);

  it('(a) before send: the create is stored, then held inside the server by its rate limiter; never sent, never re-sent, rejected after the settle time', async () => {
    const [, sell2] = ids as [string, string];
    // The account's 10-s order count must not roll over between the budget use and buy 3's answer below.
    await until('room in the exchange\'s 10-second order-count window', () => (Date.now() % 10_000 < 4_000 ? true : undefined), 11_000);
    sim.control.injectFault({ exchange: 'binance', method: 'POST', path: '/api/v3/order', times: 1, fault: { kind: 'latency', ms: 1_000 } });
    move('spike'); // sell 2 completes; the same tick places buy 3 (the cell buys again), held 1 s by the exchange
    const buy3 = await heldCreate(ids);
    ids.push(buy3);
    // Meanwhile another client of the account uses its order budget: buy 3 is answered with
    // X-MBX-ORDER-COUNT-10S: 50 (the limit), so the server's limiter holds its next create ~10 s.
    expect(await useOrderBudget(sim, { apiKey: API_KEY, secret: SECRET }, 49)).toBe(49);
    await until('buy 3 to rest on the exchange', () => (simOrders().some((o) => o.clientOrderId === buy3 && o.status === 'new') ? true : undefined));
    for (let i = 0; i < 3; i++) move('dip'); // buy 3 fills completely, before the engine looks again
    expect(simOrders().find((o) => o.clientOrderId === buy3)).toMatchObject({ status: 'filled' });
    // The engine sees buy 3 done and places its next order (the grid's sell one level up): stored
    // `pending_create`, then waiting in the limiter.
    const sell4 = await until('a new order stored but not sent', async () => {
      const fresh = (await orders()).find((o) => !ids.includes(o.clientOrderId));
      return fresh?.status === 'pending_create' ? fresh.clientOrderId : undefined;
    });
    ids.push(sell4);
    // Held, not merely caught in flight: half a second later it is still stored and still not sent.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await orders()).find((o) => o.clientOrderId === sell4)?.status).toBe('pending_create');
    expect(createsFor(sell4), 'the create must still be inside the server').toEqual([]);
    await crash();
    const atCrash = readStore(dataDir, connectionId);
    expect(atCrash.orders.find((o) => o.clientOrderId === sell4)).toMatchObject({ status: 'pending_create', exchangeOrderId: null });
    expect(createsFor(sell4)).toEqual([]);

    await boot();
    expect((await status()).state).toBe('running');
    // Sell 2 sold what buy 1 left in the account: 25 000 less the 25 XRP fee Binance took in XRP.
    expect((await orders()).filter((o) => o.clientOrderId === sell2 || o.clientOrderId === buy3).map((o) => [o.status, o.filled])).toEqual([
      ['closed', '24975'],
      ['closed', SIZE],
    ]);
    // Not found: asked again every tick until the exchange's settle time (10 s after the create) has passed.
    const verdict = await until(
      'the never-sent order to be resolved',
      async () => {
        const order = (await orders()).find((o) => o.clientOrderId === sell4);
        if (order && order.status !== 'pending_create' && order.status !== 'unknown') return order;
        move('calm');
        return undefined;
      },
      15_000,
      250,
    );
    expect(verdict).toMatchObject({ status: 'rejected', exchangeOrderId: null, filled: '0' });
    expect(verdict.error).toMatch(/never placed/);
    expect(createsFor(sell4)).toEqual([]);
    // The grid decides afresh with a new client id; wait until that order rests, then check everything.
    const buy5 = await until(
      'a fresh order after the verdict',
      async () => {
        const fresh = (await orders()).find((o) => !ids.includes(o.clientOrderId));
        if (fresh?.status === 'open') return fresh.clientOrderId;
        move('calm');
        return undefined;
      },
      8_000,
      250,
    );
    ids.push(buy5);
  }, 40_000);

  it('afterwards (grid account): every exchange order maps to one stored order, one create per client id, fills and position exact', async () => {
    const stored = await orders();
    const remote = simOrders();
    const [, , , sell4] = ids as [string, string, string, string];

    // No adopted rows (our own orders are never adopted as strangers), no duplicates.
    expect(stored.filter((o) => o.adopted)).toEqual([]);
    expect(new Set(stored.map((o) => o.clientOrderId)).size).toBe(stored.length);
    expect(stored.map((o) => o.clientOrderId)).toEqual(ids);

    // Exchange → store: exactly one stored order per exchange order, same id, status and fill.
    for (const r of remote) {
      const matches = stored.filter((o) => o.clientOrderId === r.clientOrderId);
      expect(matches, r.clientOrderId).toHaveLength(1);
      expect(matches[0]).toMatchObject({ exchangeOrderId: String(r.orderId), status: SIM_STATUS[r.status], filled: r.executedQty });
    }
    // Store → exchange: everything but the order the exchange never received.
    const notOnExchange = stored.filter((o) => !remote.some((r) => r.clientOrderId === o.clientOrderId));
    expect(notOnExchange.map((o) => [o.clientOrderId, o.status])).toEqual([[sell4, 'rejected']]);

    // One create request per client id, ever: nothing was re-sent after any of the crashes, and the
    // order that never left the server was never sent at all.
    const creates = createRequests(sim, API_KEY, CLIENT_ID_FIELD);
    expect(creates.map((r) => r.clientOrderId).sort()).toEqual(ids.filter((id) => id !== sell4).sort());

    // Fills = the exchange's trades, by trade id, amount and price.
    const storedFills = await fills();
    const remoteFills = simFills();
    const key = (f: { tradeId: string | number; side: string; price: string; amount: string }) => `${String(f.tradeId)} ${f.side} ${new Dec(f.price).toFixed()} ${new Dec(f.amount).toFixed()}`;
    expect(storedFills.map(key).sort()).toEqual(remoteFills.map((f) => key({ ...f, amount: f.qty })).sort());
    expect(remoteFills).toHaveLength(9); // buy 1, sell 2, buy 3, each 10 000 + 10 000 + 5 000

    // Σ signed fills: buy 1 (25 000) − sell 2 (24 975, what buy 1 left after its XRP fee) + buy 3 (25 000);
    // the position is that less the two buys' fees taken in XRP: 24 975, all of it buy 3's.
    expect(signedSum(storedFills)).toBe('25025');
    expect(await position(connectionId)).toBe(heldSum(storedFills));
    const engine = await status();
    expect(engine.state, String(engine.lastError)).toBe('running');
  }, 15_000);

  it('(d) after a market order\'s answer is stored, before its fills are: the restart still finds the fills', async () => {
    // A second engine on its own account: DCA buys at market every candle; the simulator fills the
    // order completely in the create's own answer, and the fills are fetched on the next tick.
    const dca = await connect('Binance DCA (simulated)', DCA_KEY);
    const started = await api<EngineStatusBody>(base(), 'POST', `${ENGINE}/start`, {
      connectionId: dca,
      strategy: 'dca',
      params: { intervalCandles: 1, amountQuote: '20' },
      symbol: 'XRP/USDT',
      timeframe: '1s',
    });
    expect(started.body.state, JSON.stringify(started.body)).toBe('running');
    move('calm');
    const [bought] = await until('the market buy to be stored closed', async () => {
      const list = await orders(dca);
      return list.length === 1 && list[0]?.status === 'closed' ? list : undefined;
    });
    expect(simFills(DCA_KEY).length).toBeGreaterThan(0);
    // No candle comes, so no tick fetches the fills: the server dies knowing the order filled, not how.
    await crash();
    const atCrash = readStore(dataDir, dca);
    expect(atCrash.orders.map((o) => [o.clientOrderId, o.status, o.filled])).toEqual([[bought?.clientOrderId, 'closed', bought?.filled]]);
    expect(atCrash.fillIds).toEqual([]);

    await boot(); // both engines resume; no candle yet, only the start's reconciliation has run
    const stored = await fills(dca);
    expect(stored.map((f) => f.tradeId).sort()).toEqual(simFills(DCA_KEY).map((f) => String(f.tradeId)).sort());
    expect(await position(dca)).toBe(heldSum(stored));
    expect(signedSum(stored)).toBe(bought?.filled);
    expect((await orders(dca)).map((o) => [o.clientOrderId, o.exchangeOrderId, o.status])).toEqual(
      simOrders(DCA_KEY).map((o) => [o.clientOrderId, String(o.orderId), SIM_STATUS[o.status]]),
    );
    expect(createRequests(sim, DCA_KEY, CLIENT_ID_FIELD).map((r) => r.clientOrderId)).toEqual([bought?.clientOrderId]);
  }, 20_000);
});
