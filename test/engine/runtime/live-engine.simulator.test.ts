import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { ManualClock, systemClock } from '../../../src/domain/clock.js';
import type { ExchangeId } from '../../../src/domain/exchange-ids.js';
import { Dec, ZERO } from '../../../src/domain/money.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import { loadCcxt, type CcxtModules } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { getProfile } from '../../../src/exchanges/profiles/index.js';
import { createExchangeGate } from '../../../src/exchanges/exchange-gate.js';
import { krakenLimits } from '../../../src/exchanges/profiles/kraken.limits.js';
import { liveEngineService, testResult } from './live-support.js';
import { connectionView, tempStore, type TestStore } from './support.js';

const POLL_MS = 360_000; // the live feed polls every tenth of a 1 h candle
/**
 * Thirty candles, every one of which reaches the strategy, make at least two round trips. The
 * simulator's XRP/USDT path replays the shipped 100 real candles from index 49 and wraps back to the
 * first after 50 steps, which the feed rightly ignores as older than what it has: more than 50 could
 * never all be processed, so each exchange gets a simulator of its own. Kraken's call counter paces a candle at about 3 s (Pro tier).
 */
const CANDLES = 30;

let sim: RunningSimulator;
let ccxt: CcxtModules;
// The real limiter on real time, as in production: the engine's ManualClock can run far ahead of the
// exchange's real-time windows, and only the limiter keeps requests within Bybit's per-UID limits.
const limits = createExchangeGate({ clock: systemClock });

beforeAll(async () => {
  ccxt = await loadCcxt();
});

afterAll(async () => {
  await limits.close();
});

/** Real network round trips to the simulator: wait (bounded) until the engine has caught up. */
async function until(check: () => Promise<boolean>, timeoutMs = 1_500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

for (const exchangeId of ['binance', 'bybit', 'okx', 'kraken', 'coinbase', 'htx', 'gate'] as ExchangeId[]) {
  describe(`live engine → ccxt → simulated ${exchangeId} (SMA crossover on the simulator's price path)`, () => {
    let db: TestStore;
    let service: EngineService;
    const clock = new ManualClock(Date.now());
    const apiKey = `ctslive${exchangeId}${Date.now().toString(36)}`;
    // Kraken's private key is base64.
    const rawSecret = `cts${exchangeId}livesecret0123456789`;
    const secret = exchangeId === 'kraken' ? Buffer.from(rawSecret).toString('base64') : rawSecret;
    const connectionId = `live-${exchangeId}`;

    beforeAll(async () => {
      db = await tempStore();
      // A simulator per exchange: its XRP/USDT path is the shipped candles, with room for one run's steps.
      sim = await startSimulator();
      sim.control.addAccount(exchangeId, { apiKey, secret, balances: { USDT: '100000' } });
      // A Pro-tier Kraken account (20, −1/s), as a connection's rateLimitTier sets it in production.
      if (exchangeId === 'kraken') limits.gate.useAccountProfile(connectionId, krakenLimits({ tier: 'pro' }));
      service = liveEngineService({ db, clock, sim, ccxt, gate: limits.gate, connections: new Map([[connectionId, connectionView({ id: connectionId, name: `Live ${exchangeId}`, exchange: exchangeId, mode: 'live', status: 'ok', lastTestResult: testResult('ok') })]]), credentials: { apiKey, apiSecret: secret, ...(getProfile(exchangeId).credentials.passphrase ? { passphrase: 'ctsPassphrase1' } : {}) } });
    });

    afterAll(async () => {
      await service.shutdown();
      await db.store.close();
      await sim.close();
    });

    it('trades with our client ids, and fills move position and PnL exactly; stops cleanly', async () => {
      const started = await service.start({ connectionId, engineId: connectionId, strategy: 'sma-crossover', params: { fast: 3, slow: 8, sizeQuote: '100' }, symbol: 'XRP/USDT', timeframe: '1h' });
      expect(started.state).toBe('running');
      const processed = async (): Promise<number> => (await service.status(connectionId)).candlesProcessed;
      const startedWith = await processed();
      const candles = CANDLES;
      for (let i = 0; i < candles; i++) {
        const before = await processed();
        sim.control.step();
        // Each step closes exactly one candle. The clock moves only once the feed sleeps on it (its
        // only sleeper while nothing fails): moved while the feed is still polling, it would wake
        // nothing and the candle would wait for the next move. Moved again until the candle is
        // processed, so every candle reaches the strategy however loaded the machine is.
        const deadline = Date.now() + 30_000;
        for (;;) {
          await until(async () => clock.pendingSleepers > 0 || (await service.status(connectionId)).state !== 'running', 10_000);
          await clock.advance(POLL_MS);
          if (await until(async () => (await processed()) > before || (await service.status(connectionId)).state !== 'running', 2_000)) break;
          if (Date.now() > deadline) break;
        }
        if ((await service.status(connectionId)).state !== 'running') break;
      }
      expect(await processed()).toBeGreaterThanOrEqual(startedWith + candles);
      // An order the last candle made may still be queued in the limiter: let it reach the exchange first.
      await until(async () => (await service.orders(connectionId)).every((o) => o.status !== 'pending_create' && o.status !== 'unknown'), 30_000);
      const status = await service.status(connectionId);
      expect(status.state, JSON.stringify(status.lastError)).toBe('running');
      const field = getProfile(exchangeId as ExchangeId).clientOrderId.field;
      const sent = sim.control.requests({ exchange: exchangeId }).map((r) => r.params[field]).filter((v): v is string => typeof v === 'string');
      const orders = await service.orders(connectionId);
      expect(orders.length).toBeGreaterThan(0);
      // Every order we stored reached the simulator once, with our client id.
      for (const o of orders) expect(sent.filter((id) => id === o.clientOrderId)).toHaveLength(1);
      const fills = await service.trades(connectionId);
      expect(fills.length).toBeGreaterThan(0);
      // The exchange takes the buy fee in XRP: exits sell what the position (net) holds, so none is refused.
      expect(fills.some((f) => f.side === 'sell')).toBe(true);
      expect(orders.filter((o) => o.status === 'rejected').map((o) => o.clientOrderId)).toEqual([]);
      // The position is what the account holds: a fee taken in XRP never reached it.
      const baseFee = (f: (typeof fills)[number]) => (f.feeAsset === 'XRP' ? new Dec(f.fee) : ZERO);
      const quantity = fills.reduce((q, f) => q.add(f.side === 'buy' ? new Dec(f.amount).sub(baseFee(f)) : new Dec(f.amount).add(baseFee(f)).neg()), ZERO);
      expect(status.positions.find((p) => p.symbol === 'XRP/USDT')?.quantity ?? '0').toBe(quantity.toFixed());
      const stopped = await service.stop(connectionId);
      expect(stopped.state).toBe('stopped');
      expect(stopped.openOrders).toEqual([]);
    }, 300_000);
  });
}
