import { rmSync } from 'node:fs';
import { RandomWalkPath } from '../../../simulator/matching/price-path.js';
import type { SimFill, SimOrder } from '../../../simulator/matching/types.js';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { startServerProcess, type ServerProcess } from '../../support/server-process.js';
import { makeTempDir } from '../../support/temp-system.js';
import type { CrashExchange } from './exchanges.js';
import { api, createRequests, until, type StoredFill, type StoredOrder } from './harness.js';
import { ScriptedPath, type CandleShape } from './scripted-path.js';

/**
 * One crash-safety setup: a loopback simulator whose `symbol` follows a scripted path, the real server
 * as a child process on one data directory (booted, killed with SIGKILL, booted again), and the views
 * of both sides the checks compare. Exchange-specific wire facts come from the `CrashExchange`.
 */

/** The longest a server start may take (startServerProcess' limit): test timeouts add it per boot. */
export const BOOT_MS = 45_000;

const MASTER_KEY = Buffer.alloc(32, 5).toString('base64');
const ENGINE = '/api/trade-engine';

export interface EngineStatusBody {
  state: string;
  lastError: string | null;
  candlesProcessed: number;
  positions: { symbol: string; quantity: string }[];
}

interface ConnectionTestBody {
  outcome: string;
  steps?: { name: string; outcome: string }[];
}

export interface ApiOrder extends StoredOrder {
  symbol: string;
}

export interface ApiFill extends StoredFill {
  fee?: string;
  feeAsset?: string | null;
}

export class CrashRig {
  readonly exchange: CrashExchange;
  readonly symbol: string;
  readonly base: string;
  readonly path: ScriptedPath;
  readonly sim: RunningSimulator;
  readonly dataDir: string;
  #server: ServerProcess | undefined;

  private constructor(exchange: CrashExchange, symbol: string, path: ScriptedPath, sim: RunningSimulator) {
    this.exchange = exchange;
    this.path = path;
    this.symbol = symbol;
    this.base = symbol.split('/')[0] ?? symbol;
    this.sim = sim;
    this.dataDir = makeTempDir(`cts-crash-${exchange.id}-`);
  }

  static async start(exchange: CrashExchange, symbol = 'XRP/USDT'): Promise<CrashRig> {
    const path = new ScriptedPath(Date.now() - 7 * 86_400_000);
    const sim = await startSimulator({
      priceSource: (market, seed) =>
        market.symbol === symbol ? path : new RandomWalkPath({ seed, start: market.symbol.startsWith('BTC') ? '60000' : '3000', tickSize: market.tickSize }),
    });
    return new CrashRig(exchange, symbol, path, sim);
  }

  /** How long one candle may take to reach a running engine: two polls of the live feed, and slack for a loaded machine. */
  get candleTimeoutMs(): number {
    return 2 * Math.max(1_000, timeframeMs(this.exchange.timeframe) / 10) + 10_000;
  }

  addAccount(apiKey: string, balances: Record<string, string>): void {
    this.sim.control.addAccount(this.exchange.id, { apiKey, ...this.exchange.credentials(apiKey), balances });
  }

  async boot(): Promise<void> {
    this.#server = await startServerProcess({
      CTS_DATA_DIR: this.dataDir,
      CTS_MASTER_KEY: MASTER_KEY,
      CTS_EXCHANGE_PROXY_URL: this.sim.url,
      CTS_DEMO_CONNECTION: 'false',
      CTS_HEALTH_INTERVAL_MS: '3600000',
    });
  }

  /** kill -9, and wait until the process is gone. */
  async crash(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    if (s) await s.stop('SIGKILL');
  }

  async close(): Promise<void> {
    await this.crash();
    await this.sim.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  get url(): string {
    if (!this.#server) throw new Error('no server running');
    return this.#server.url;
  }

  /** A live connection for `apiKey`, created and tested through the API; its id. */
  async connect(name: string, apiKey: string): Promise<string> {
    const { secret, passphrase } = this.exchange.credentials(apiKey);
    const created = await api<{ id: string }>(this.url, 'POST', '/api/settings/connections', {
      name,
      exchange: this.exchange.id,
      marketTypes: ['spot'],
      mode: 'live',
      apiKey,
      apiSecret: secret,
      ...(passphrase !== undefined ? { passphrase } : {}),
    });
    if (created.status !== 201) throw new Error(`Creating the connection answered ${created.status}: ${JSON.stringify(created.body)}`);
    const tested = await api<ConnectionTestBody>(this.url, 'POST', `/api/settings/connections/${created.body.id}/test`);
    // The simulator runs on this machine's clock: a clock warning is the round trip of a loaded
    // machine (the skew estimate includes it), not a clock that is off. Anything else must be ok.
    const notOk = (tested.body.steps ?? []).filter((s) => s.outcome !== 'ok' && !(s.name === 'clock' && s.outcome === 'warning'));
    if (tested.body.outcome === 'failed' || notOk.length > 0) throw new Error(`Testing the connection answered ${JSON.stringify(tested.body)}`);
    return created.body.id;
  }

  async startEngine(body: Record<string, unknown>): Promise<{ status: number; body: EngineStatusBody }> {
    return api<EngineStatusBody>(this.url, 'POST', `${ENGINE}/start`, { symbol: this.symbol, timeframe: this.exchange.timeframe, ...(typeof body.connectionId === 'string' ? { engineId: body.connectionId } : {}), ...body }); // the bot is named after its connection
  }

  async status(connectionId: string): Promise<EngineStatusBody> {
    return (await api<EngineStatusBody>(this.url, 'GET', `${ENGINE}/status/${connectionId}`)).body;
  }

  async orders(connectionId: string): Promise<ApiOrder[]> {
    return (await api<{ items: ApiOrder[] }>(this.url, 'GET', `${ENGINE}/orders/${connectionId}`)).body.items;
  }

  async fills(connectionId: string): Promise<ApiFill[]> {
    return (await api<{ items: ApiFill[] }>(this.url, 'GET', `${ENGINE}/trades/${connectionId}`)).body.items;
  }

  async position(connectionId: string): Promise<string | undefined> {
    const answer = await api<{ positions: { symbol: string; quantity: string }[] }>(this.url, 'GET', `${ENGINE}/positions/${connectionId}`);
    return answer.body.positions.find((p) => p.symbol === this.symbol)?.quantity;
  }

  /** The simulator moves one candle (resting orders it reaches fill now). */
  move(shape: CandleShape): void {
    this.path.next(shape);
    this.sim.control.step();
  }

  /** One candle, then wait until the engine on `connectionId` has processed it. */
  async step(connectionId: string, shape: CandleShape): Promise<void> {
    const before = (await this.status(connectionId)).candlesProcessed;
    this.move(shape);
    await until(`the engine to process a ${shape} candle`, async () => ((await this.status(connectionId)).candlesProcessed > before ? true : undefined), this.candleTimeoutMs);
  }

  simOrders(apiKey: string): SimOrder[] {
    return this.sim.control
      .venue(this.exchange.id)
      .orders(apiKey, { symbol: this.symbol })
      .map((o) => ({ ...o, clientOrderId: this.exchange.simClientOrderId(o) }));
  }

  simFills(apiKey: string): SimFill[] {
    return this.sim.control.venue(this.exchange.id).fills(apiKey, { symbol: this.symbol });
  }

  creates(apiKey: string): ReturnType<typeof createRequests> {
    return createRequests(this.sim, this.exchange, apiKey);
  }

  createsFor(apiKey: string, clientOrderId: string): ReturnType<typeof createRequests> {
    return this.creates(apiKey).filter((r) => r.clientOrderId === clientOrderId);
  }

  /** The exchange holds the next create `ms` before it places the order and answers (latency fault). */
  holdNextCreate(ms: number): void {
    for (const route of this.exchange.creates) {
      this.sim.control.injectFault({ exchange: this.exchange.id, method: route.method, path: route.path, times: 1, fault: { kind: 'latency', ms } });
    }
  }

  /** The create request arriving at the simulator now, for an order not yet known to the test; its client id. */
  async heldCreate(apiKey: string, known: readonly string[]): Promise<string> {
    const request = await until('the engine to send a new create request', () => this.creates(apiKey).find((r) => !known.includes(r.clientOrderId)), this.candleTimeoutMs);
    return request.clientOrderId;
  }
}

/** How the server reports a simulator order's status. */
export const SIM_STATUS: Readonly<Record<string, string>> = { new: 'open', partially_filled: 'open', filled: 'closed', canceled: 'canceled', expired: 'expired' };

export function timeframeMs(timeframe: string): number {
  const match = /^(\d+)([smhd])$/.exec(timeframe);
  if (!match) throw new Error(`Unsupported timeframe ${timeframe}`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
