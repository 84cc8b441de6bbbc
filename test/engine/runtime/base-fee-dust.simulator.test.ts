import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { ManualClock, systemClock } from '../../../src/domain/clock.js';
import { Dec, ZERO } from '../../../src/domain/money.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import { loadCcxt, type CcxtModules } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { createExchangeGate } from '../../../src/exchanges/exchange-gate.js';
import { connectionView, tempStore, type TestStore } from './support.js';
import { liveEngineService, testResult } from './live-support.js';

/**
 * Defect: exchanges that take a buy's fee in the coin bought (Binance spot without BNB, Bybit spot)
 * left "long 0.1" in the ledger while the account held 0.0531 XRP; every exit was refused ("amount is
 * 0 after rounding") and a strategy that enters only when flat never traded again. Through unmodified
 * ccxt against the simulator (which charges the way those venues do): after each round trip only dust
 * is left, the strategy trades again, nothing is refused, and the account's balances equal the ledger.
 */

const POLL_MS = 360_000;

let sim: RunningSimulator;
let ccxt: CcxtModules;
const limits = createExchangeGate({ clock: systemClock });

beforeAll(async () => {
  ccxt = await loadCcxt();
  sim = await startSimulator();
});

afterAll(async () => {
  await sim.close();
  await limits.close();
});

async function until(check: () => Promise<boolean>, timeoutMs = 1_500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

const CASES = [
  { exchange: 'binance', symbol: 'XRP/USDT', base: 'XRP', strategy: 'sma-crossover', params: { fast: 2, slow: 4, sizeQuote: '50' } },
  { exchange: 'bybit', symbol: 'BTC/USDT', base: 'BTC', strategy: 'rsi-mean-reversion', params: { period: 5, oversold: 40, overbought: 60, sizeQuote: '100' } },
] as const;

for (const c of CASES) {
  describe(`${c.exchange} spot, fee in ${c.base} on buys: ${c.strategy} on ${c.symbol}`, () => {
    let db: TestStore;
    let service: EngineService;
    const clock = new ManualClock(Date.now());
    const apiKey = `ctsdust${c.exchange}${Date.now().toString(36)}`;
    const secret = `cts${c.exchange}dustsecret0123456789`;
    const connectionId = `dust-${c.exchange}`;

    beforeAll(async () => {
      db = await tempStore();
      sim.control.addAccount(c.exchange, { apiKey, secret, balances: { USDT: '100000' } });
      service = liveEngineService({ db, clock, sim, ccxt, gate: limits.gate, connections: new Map([[connectionId, connectionView({ id: connectionId, name: `Dust ${c.exchange}`, exchange: c.exchange, mode: 'live', status: 'ok', lastTestResult: testResult('ok') })]]), credentials: { apiKey, apiSecret: secret } });
    });

    afterAll(async () => {
      await service.shutdown();
      await db.store.close();
    });

    it('leaves only dust after each round trip, trades again, refuses nothing, and the ledger equals the balances', async () => {
      expect(sim.control.feeAssets(c.exchange)).toEqual({ buy: 'base', sell: 'quote' }); // the venue's real default
      const started = await service.start({ connectionId, engineId: connectionId, strategy: c.strategy, params: c.params, symbol: c.symbol, timeframe: '1h' });
      expect(started.state, JSON.stringify(started.lastError)).toBe('running');
      const dustAfterExit: boolean[] = [];
      let sells = 0;
      for (let i = 0; i < 80; i++) {
        const before = (await service.status(connectionId)).candlesProcessed;
        sim.control.step();
        await clock.advance(POLL_MS);
        await until(async () => (await service.status(connectionId)).candlesProcessed > before || (await service.status(connectionId)).state !== 'running');
        const fills = await service.trades(connectionId);
        const sold = fills.filter((f) => f.side === 'sell').length;
        if (sold > sells) {
          sells = sold;
          const position = (await service.status(connectionId)).positions.find((p) => p.symbol === c.symbol);
          // After an exit: what remains is dust, reported as such, never "long 0.1".
          dustAfterExit.push(position === undefined || position.quantity === '0' || position.dust);
        }
      }
      const status = await service.status(connectionId);
      expect(status.state, JSON.stringify(status.lastError)).toBe('running');
      const fills = await service.trades(connectionId);
      const buys = fills.filter((f) => f.side === 'buy');
      expect(buys.every((f) => f.feeAsset === c.base)).toBe(true);
      // Several round trips: the strategy entered again after every exit.
      expect(sells).toBeGreaterThanOrEqual(2);
      expect(buys.length).toBeGreaterThanOrEqual(sells);
      expect(dustAfterExit.every(Boolean)).toBe(true);
      const events = await db.events.since(0, { limit: 10_000 });
      const refused = events.filter((e) => e.type === 'risk.rejected').map((e) => String(e.payload.reason));
      expect(refused.filter((r) => /amount is 0|short selling/i.test(r))).toEqual([]);
      expect((await service.orders(connectionId)).filter((o) => o.status === 'rejected')).toEqual([]);
      // The ledger holds what the exchange account holds, to the last digit (position incl. dust).
      const account = sim.control.account(c.exchange, apiKey);
      const held = account?.balances[c.base];
      const balance = new Dec(held?.free ?? '0').add(held?.used ?? '0');
      const position = status.positions.find((p) => p.symbol === c.symbol);
      expect(position?.quantity ?? '0').toBe(balance.toFixed());
      const quote = account?.balances.USDT;
      const cash = fills.reduce((sum, f) => sum.add(new Dec(f.amount).mul(f.price).mul(f.side === 'buy' ? -1 : 1)).sub(f.feeAsset === 'USDT' ? f.fee : ZERO), new Dec('100000'));
      expect(new Dec(quote?.free ?? '0').add(quote?.used ?? '0').toFixed()).toBe(cash.toFixed());
      await service.stop(connectionId);
    }, 90_000);
  });
}
