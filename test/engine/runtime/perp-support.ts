import { afterEach, beforeEach, expect } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../../../src/domain/clock.js';
import type { ExchangeId, MarketType } from '../../../src/domain/exchange-ids.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import { defineStrategy, NO_INTENTS, type Intent } from '../../../src/engine/strategy.js';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { useCcxtSimulator, type CcxtSimulator } from '../../support/ccxt-simulator.js';
import { ScriptedPath } from '../../support/scripted-path.js';
import { connectionView } from './support.js';
import { liveEngineService, testResult, until, type SimulatorAccount } from './live-support.js';

/**
 * The setup the live-engine perpetual tests share (derivatives*.simulator.test.ts): a simulator
 * whose markets follow hand-moved paths from 30,000, a strategy that returns the intents the test
 * queued one batch per candle, and a live bot on one connection with its start and candle steps.
 */

export const HOUR = 3_600_000;
export const PERP = 'BTC/USDT:USDT';
const T0 = Date.parse('2026-03-02T00:00:00Z');

export interface PerpLab {
  readonly lab: CcxtSimulator;
  /** The scripted path of each spot symbol (the perpetual follows BTC/USDT's). */
  readonly paths: ReadonlyMap<string, ScriptedPath>;
  /** Intents for the next candles of the bot, one batch each. */
  readonly script: Intent[][];
}

/**
 * A simulator on scripted paths (call at the top of a test file: it registers the simulator's hooks).
 * `limiter`: pace requests with the production limiter on real time, where the simulated exchange
 * enforces a limit the test's compressed time would breach (OKX's 5 bills-archive reads per 2 s).
 */
export function usePerpLab(options: { limiter?: boolean } = {}): PerpLab {
  const paths = new Map<string, ScriptedPath>();
  const lab = useCcxtSimulator({
    ...(options.limiter === true ? { limiter: true } : {}),
    simulator: {
      priceSource: (market) => paths.set(market.symbol, new ScriptedPath({ start: T0, length: 31, priceAt: (_, previous) => previous ?? '30000' })).get(market.symbol) as ScriptedPath,
    },
  });
  return { lab, paths, script: [] };
}

function scriptedStrategy(script: Intent[][]) {
  return defineStrategy({
    id: 'scripted-perp',
    name: 'Scripted',
    description: 'returns the intents the test queued, one batch per candle',
    params: z.object({}).strict(),
    warmup: () => 0,
    create: () => ({ warmup: 0, onCandle: (): readonly Intent[] => script.shift() ?? NO_INTENTS }),
  });
}

export interface PerpBotOptions {
  exchange: ExchangeId;
  connectionId: string;
  marketTypes: MarketType[];
  account: SimulatorAccount;
  /** Run after the prices are reset and before the service is made (e.g. a futures wallet's balance). */
  beforeService?: () => void;
}

export interface PerpBot {
  readonly service: EngineService;
  readonly clock: ManualClock;
  start(risk: Record<string, unknown>, budget?: { quote: string } | null): ReturnType<EngineService['start']>;
  /** Queues `intents` for the next candle, moves to it and waits until the bot has processed it. */
  nextCandle(intents: Intent[]): Promise<void>;
  /** To the first candle close after the start. */
  toFirstClose(): Promise<void>;
  events(): ReturnType<EngineService['events']>;
  /** CTS goes down (its orders stay on the exchange) and comes back: a new service on the same store resumes the bots. */
  restart(whileDown?: () => void | Promise<void>): Promise<void>;
}

/** A live bot on `connectionId` for each test, every price back at 30,000; shut down after. */
export function usePerpBot(perp: PerpLab, o: PerpBotOptions): PerpBot {
  const { lab, paths, script } = perp;
  let clock: ManualClock | undefined;
  let service: EngineService | undefined;
  const makeService = (on: ManualClock): EngineService =>
    liveEngineService({
      db: o.account.db,
      clock: on,
      sim: lab.sim,
      ccxt: lab.ccxt,
      gate: lab.gate,
      connections: new Map([[o.connectionId, connectionView({ id: o.connectionId, exchange: o.exchange, marketTypes: o.marketTypes, mode: 'live', status: 'ok', lastTestResult: testResult('ok') })]]),
      credentials: o.account.credentials,
      extra: { strategies: new StrategyRegistry([...BUILT_IN_STRATEGIES, scriptedStrategy(script)]) },
    });
  beforeEach(() => {
    script.length = 0;
    for (const p of paths.values()) p.trade('30000');
    lab.sim.control.step();
    o.beforeService?.();
    clock = new ManualClock((paths.get('BTC/USDT') as ScriptedPath).formingSince + 60_000);
    service = makeService(clock);
  });
  afterEach(async () => {
    await service?.shutdown();
    service = undefined;
  });
  const running = (): { service: EngineService; clock: ManualClock } => {
    if (!service || !clock) throw new Error('the perpetual bot is made in its beforeEach hook');
    return { service, clock };
  };
  return {
    get service() {
      return running().service;
    },
    get clock() {
      return running().clock;
    },
    start: (risk, budget = null) =>
      running().service.start({ connectionId: o.connectionId, engineId: o.connectionId, budget, strategy: 'scripted-perp', params: {}, symbol: PERP, timeframe: '1h', risk }),
    nextCandle: async (intents) => {
      const { service: s, clock: c } = running();
      const before = (await s.status(o.connectionId)).candlesProcessed;
      script.push(intents);
      await c.advance(HOUR);
      lab.sim.control.step();
      expect(await until(async () => (await s.status(o.connectionId)).candlesProcessed > before && script.length === 0, 5_000)).toBe(true);
    },
    toFirstClose: () => running().clock.advance(HOUR - 2 * 60_000),
    events: () => running().service.events(0, { limit: 1000, engineId: o.connectionId }),
    restart: async (whileDown) => {
      const { service: s, clock: c } = running();
      await s.shutdown();
      service = undefined;
      await whileDown?.();
      service = makeService(c);
      await service.resumeAll();
    },
  };
}
